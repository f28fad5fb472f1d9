import { Redis } from "ioredis";
import { RequestError } from "../../../errors.ts";
import { serverLog } from "../../../server-log.ts";

/**
 * A Redis connection for Kiln: commands fail at once while Redis is down (no offline queue, one
 * retry), and the client keeps reconnecting in the background, so nodes recover when it returns.
 */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    lazyConnect: true,
  });
  // Connection errors surface as failed commands (503 `unavailable`); log only the transitions.
  let down = false;
  redis.on("error", (e: Error) => {
    if (!down) serverLog("warn", "redis unavailable", { error: e.message });
    down = true;
  });
  redis.on("ready", () => {
    if (down) serverLog("info", "redis available again");
    down = false;
  });
  return redis;
}

/** Resolves once the connection is ready (or rejects after `timeoutMs`). */
export async function redisReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === "ready") return;
  if (redis.status === "wait") void redis.connect().catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("redis: not ready in time")), timeoutMs);
    redis.once("ready", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Runs a Redis operation; a connection failure becomes a 503 `unavailable`. */
export async function viaRedis<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/closed|writeable|ECONNREFUSED|MaxRetriesPerRequest|Connection|reached the max retries/i.test(message)) {
      throw new RequestError("unavailable", "Storage (Redis) is unavailable; try again shortly", 1);
    }
    throw e;
  }
}
