import { spawn, type ChildProcess } from "node:child_process";
import type { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { connectRedis, redisReady } from "../../src/adapters/node/redis/redis-connection.ts";
import { freePort } from "./kiln-process.ts";
import { hasService } from "./services.ts";

/** A throwaway redis-server on a free loopback port, without persistence (retrying if the port gets taken). */
export async function startRedisServer(attempt = 0): Promise<{ url: string; stop: () => void }> {
  try {
    return await startOnce();
  } catch (e) {
    if (attempt >= 4) throw e;
    return startRedisServer(attempt + 1);
  }
}

async function startOnce(): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (/Ready to accept connections/.test(out)) resolve();
    });
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
    child.once("error", reject);
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill("SIGKILL") };
}

/**
 * A redis-server for one test file, where the machine has one (`available`; otherwise the Redis cases
 * skip, as `hasService` reports): started before its tests, stopped after. `connect` gives a ready,
 * emptied connection, closed with the server.
 */
export function suiteRedis(suite: string): { available: boolean; connect: () => Promise<Redis> } {
  const available = hasService("redis-server", "redis-server", suite);
  let server: Awaited<ReturnType<typeof startRedisServer>> | undefined;
  const connections: Redis[] = [];
  beforeAll(async () => {
    if (available) server = await startRedisServer();
  });
  afterAll(() => {
    for (const c of connections) c.disconnect();
    server?.stop();
  });
  const connect = async () => {
    const connection = connectRedis(server!.url);
    connections.push(connection);
    await redisReady(connection);
    await connection.flushall();
    return connection;
  };
  return { available, connect };
}
