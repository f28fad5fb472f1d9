import type { Redis } from "ioredis";
import type { CounterStore } from "../../../platform/run-guard.ts";
import { viaRedis } from "./redis-connection.ts";

const INCREMENT = `local n = redis.call('INCRBY', KEYS[1], ARGV[2]) if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return {n, redis.call('PTTL', KEYS[1])}`;

/** Rate-limit and quarantine counters shared by every node: fixed windows with INCR and PEXPIRE. */
export class RedisCounterStore implements CounterStore {
  constructor(readonly redis: Redis) {}

  increment(key: string, windowMs: number, amount = 1) {
    return viaRedis(async () => {
      const [count, ttl] = (await this.redis.eval(INCREMENT, 1, `kiln:c:${key}`, windowMs, amount)) as [number, number];
      return { count, resetInMs: Math.max(0, ttl) };
    });
  }
  get(key: string) {
    return viaRedis(async () => {
      const [count, ttl] = await Promise.all([this.redis.get(`kiln:c:${key}`), this.redis.pttl(`kiln:c:${key}`)]);
      return count === null ? undefined : { count: Number(count), resetInMs: Math.max(0, ttl) };
    });
  }
  delete(key: string) {
    return viaRedis(async () => void (await this.redis.del(`kiln:c:${key}`)));
  }
}
