import { HostCallError } from "../errors.ts";
import { utf8Length } from "../limits/output.ts";
import { CallCounter } from "./call-counter.ts";
import type { HostLimits } from "./capability-limits.ts";
import type { KvStore } from "./kv-store.ts";
import type { KvInterface } from "./wit.ts";

/** The `kv` interface over a store, scoped to the granted namespace; sizes are checked before any storage work. */
export function createKvHost(store: KvStore, options: { namespace: string; limits: HostLimits }): KvInterface {
  const { namespace, limits } = options;
  const calls = new CallCounter("kv", limits.kvMaxCalls);
  const key = (k: string) => {
    if (k === "" || utf8Length(k) > limits.kvMaxKeyBytes) {
      throw new HostCallError("invalid_argument", `kv: a key must be 1 to ${limits.kvMaxKeyBytes} bytes`);
    }
    return k;
  };
  return {
    async get(k) {
      calls.take();
      return (await store.get(namespace, key(k))) ?? null;
    },
    async set(k, value, ttlMs) {
      calls.take();
      key(k);
      if (utf8Length(value) > limits.kvMaxValueBytes) throw new HostCallError("limit_exceeded", `kv: a value may be at most ${limits.kvMaxValueBytes} bytes`);
      if (ttlMs !== null && ttlMs < 1) throw new HostCallError("invalid_argument", "kv: ttl must be at least 1 ms");
      const expiresAt = ttlMs === null ? null : Date.now() + ttlMs;
      const stored = await store.set(namespace, k, value, { expiresAt, maxKeys: limits.kvMaxKeys });
      if (stored === "quota") throw new HostCallError("limit_exceeded", `kv: the namespace holds its maximum of ${limits.kvMaxKeys} keys`);
    },
    async delete(k) {
      calls.take();
      return store.delete(namespace, key(k));
    },
    async list(prefix, limit) {
      calls.take();
      if (utf8Length(prefix) > limits.kvMaxKeyBytes) throw new HostCallError("invalid_argument", "kv: the prefix is longer than a key");
      return store.list(namespace, prefix, Math.min(limit ?? limits.kvMaxList, limits.kvMaxList));
    },
  };
}
