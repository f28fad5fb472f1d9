import type { Config } from "../../config.ts";
import { DEFAULT_MAX_ATTEMPTS, type SubmissionQueue } from "../../platform/submission-queue.ts";
import { connectRedis, redisReady } from "./redis/redis-connection.ts";
import { RedisSubmissionQueue } from "./redis/redis-submission-queue.ts";
import { SqliteSubmissionQueue } from "./sqlite-submission-queue.ts";

/** The Node server's Judge0 submission queue: on Redis, shared by every node, with `KILN_REDIS_URL`; otherwise in the node's SQLite file. */
export async function openSubmissionQueue(config: Config): Promise<SubmissionQueue> {
  const options = { leaseMs: config.submissions.leaseMs, resultTtlSeconds: config.submissions.resultTtlSeconds, maxAttempts: DEFAULT_MAX_ATTEMPTS };
  if (!config.redisUrl) return new SqliteSubmissionQueue(config.dbPath, options);
  const [commands, blocking] = [connectRedis(config.redisUrl), connectRedis(config.redisUrl)];
  await Promise.all([redisReady(commands), redisReady(blocking)]);
  return new RedisSubmissionQueue(commands, blocking, options);
}
