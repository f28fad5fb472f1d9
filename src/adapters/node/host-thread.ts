/**
 * The helper thread behind ThreadBlockingHost: it owns kv storage and outbound HTTP, runs each
 * call (asynchronously, like any host call), posts the answer and wakes the blocked caller through
 * the shared signal word.
 */
import { workerData, type MessagePort } from "node:worker_threads";
import { HostCallServer } from "../../capabilities/host-call-protocol.ts";
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
// The protocol every runtime's helper shares (src/capabilities/host-call-protocol.ts); answers go back on the port.
const server = new HostCallServer(services);

port.on("message", (request: HostRequest) =>
  server.handle(request, (answer) => {
    port.postMessage(answer);
    Atomics.store(word, 0, answer.id);
    Atomics.notify(word, 0);
  }),
);
