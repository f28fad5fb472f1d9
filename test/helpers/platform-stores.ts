/**
 * The platform stores a Node server can use (memory, SQLite, Redis), each made fresh per call, for the
 * suites that run the same cases against every one. Calling it registers the hooks that start a
 * redis-server (where there is one) and clean up afterwards.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { connectRedis, redisReady } from "../../src/adapters/node/redis/redis-connection.ts";
import { RedisPlatformStore } from "../../src/adapters/node/redis/redis-platform-store.ts";
import { SqlitePlatformStore } from "../../src/adapters/node/sqlite-platform-store.ts";
import { MemoryPlatformStore } from "../../src/platform/memory-platform-store.ts";
import type { PlatformStore } from "../../src/platform/platform-store.ts";
import { startRedisServer } from "./redis-server.ts";
import { hasService } from "./services.ts";

export function nodePlatformStores(suite: string): { stores: [string, () => PlatformStore | Promise<PlatformStore>][]; skip: (name: string) => boolean } {
  const dir = mkdtempSync(join(tmpdir(), "kiln-stores-"));
  const withRedis = hasService("redis-server", "redis-server", `RedisPlatformStore ${suite}`);
  let redis: Awaited<ReturnType<typeof startRedisServer>> | undefined;
  const connections: Redis[] = [];
  beforeAll(async () => {
    if (withRedis) redis = await startRedisServer();
  });
  afterAll(() => {
    for (const c of connections) c.disconnect();
    redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const stores: [string, () => PlatformStore | Promise<PlatformStore>][] = [
    ["MemoryPlatformStore", () => new MemoryPlatformStore()],
    ["SqlitePlatformStore", () => new SqlitePlatformStore(join(dir, `${Math.random()}.sqlite`))],
    [
      "RedisPlatformStore",
      async () => {
        const connection = connectRedis(redis!.url);
        connections.push(connection);
        await redisReady(connection);
        await connection.flushall();
        return new RedisPlatformStore(connection);
      },
    ],
  ];
  return { stores, skip: (name) => name.startsWith("Redis") && !withRedis };
}
