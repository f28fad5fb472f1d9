/**
 * The helper thread behind ThreadBlockingHost: it owns kv storage and outbound HTTP, runs each
 * call (asynchronously, like any host call), posts the answer and wakes the blocked caller through
 * the shared signal word.
 */
import { workerData, type MessagePort } from "node:worker_threads";
import { HostCallError } from "../../errors.ts";
import { RunHost } from "../../capabilities/run-host.ts";
import { NodeHttpTransport } from "./node-http-transport.ts";
import { connectRedis } from "./redis/redis-connection.ts";
import { RedisKvStore } from "./redis/redis-kv-store.ts";
import { SqliteKvStore } from "./sqlite-kv-store.ts";
import type { HostRequest, HostThreadInit } from "./thread-blocking-host.ts";

const { port, signal, kvPath, redisUrl } = workerData as HostThreadInit & { port: MessagePort };
const word = new Int32Array(signal);
const kv = redisUrl ? new RedisKvStore(connectRedis(redisUrl)) : new SqliteKvStore(kvPath);
if (kv instanceof RedisKvStore) kv.redis.connect().catch(() => undefined);
const services = { kv, http: new NodeHttpTransport() };
const runs = new Map<number, RunHost>();

port.on("message", async (request: HostRequest) => {
  if (request.op === "open") {
    runs.set(request.run, new RunHost({ grants: request.grants, limits: request.limits, services, deadline: request.deadline }));
    return;
  }
  if (request.op === "close") {
    runs.get(request.run)?.dispose();
    runs.delete(request.run);
    return;
  }
  let answer;
  try {
    const host = runs.get(request.run);
    if (!host) throw new HostCallError("failed", "the run has ended");
    answer = { id: request.id, value: (await host.call(request.iface, request.fn, request.args)) ?? null };
  } catch (e) {
    answer = e instanceof HostCallError ? { id: request.id, error: { code: e.code, message: e.message } } : { id: request.id, bug: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(answer);
  Atomics.store(word, 0, request.id);
  Atomics.notify(word, 0);
});
