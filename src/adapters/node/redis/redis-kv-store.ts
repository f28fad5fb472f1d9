import type { Redis } from "ioredis";
import type { KvStore } from "../../../capabilities/kv-store.ts";
import { viaRedis } from "./redis-connection.ts";

/**
 * Per namespace: values in a hash, a lexicographic index (sorted set, score 0) for prefix listing,
 * and expiry times in a second sorted set. Expired keys are purged inside each script, so counts
 * and lists see live keys only. Every operation is one Lua script, so the quota check is atomic.
 */
const PURGE = `local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
for _, k in ipairs(gone) do redis.call('HDEL', KEYS[1], k) redis.call('ZREM', KEYS[2], k) redis.call('ZREM', KEYS[3], k) end `;
const GET = PURGE + `return redis.call('HGET', KEYS[1], ARGV[2])`;
const SET = PURGE + `if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[5]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) redis.call('ZADD', KEYS[2], 0, ARGV[2])
if ARGV[4] == '' then redis.call('ZREM', KEYS[3], ARGV[2]) else redis.call('ZADD', KEYS[3], tonumber(ARGV[4]), ARGV[2]) end
return 1`;
const DELETE = PURGE + `redis.call('ZREM', KEYS[2], ARGV[2]) redis.call('ZREM', KEYS[3], ARGV[2]) return redis.call('HDEL', KEYS[1], ARGV[2])`;
const LIST = PURGE + `return redis.call('ZRANGEBYLEX', KEYS[2], '[' .. ARGV[2], '[' .. ARGV[2] .. '\\255', 'LIMIT', 0, tonumber(ARGV[3]))`;

export class RedisKvStore implements KvStore {
  constructor(readonly redis: Redis) {}

  #keys(namespace: string): [string, string, string] {
    return [`kiln:kv:${namespace}`, `kiln:kvi:${namespace}`, `kiln:kvx:${namespace}`];
  }

  get(namespace: string, key: string) {
    return viaRedis(async () => ((await this.redis.eval(GET, 3, ...this.#keys(namespace), Date.now(), key)) as string | null) ?? undefined);
  }
  set(namespace: string, key: string, value: string, options: { expiresAt: number | null; maxKeys: number }) {
    return viaRedis(async () => {
      const stored = await this.redis.eval(SET, 3, ...this.#keys(namespace), Date.now(), key, value, options.expiresAt ?? "", options.maxKeys);
      return stored === 1 ? ("ok" as const) : ("quota" as const);
    });
  }
  delete(namespace: string, key: string) {
    return viaRedis(async () => ((await this.redis.eval(DELETE, 3, ...this.#keys(namespace), Date.now(), key)) as number) > 0);
  }
  list(namespace: string, prefix: string, limit: number) {
    return viaRedis(async () => (await this.redis.eval(LIST, 3, ...this.#keys(namespace), Date.now(), prefix, limit)) as string[]);
  }

  dispose(): void {
    this.redis.disconnect();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}
