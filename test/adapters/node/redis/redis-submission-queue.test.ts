import { afterAll, beforeAll, describe } from "vitest";
import { connectRedis, redisReady } from "../../../../src/adapters/node/redis/redis-connection.ts";
import { RedisSubmissionQueue } from "../../../../src/adapters/node/redis/redis-submission-queue.ts";
import { startRedisServer } from "../../../helpers/redis-server.ts";
import { hasService } from "../../../helpers/services.ts";
import { submissionQueueContract } from "../../../helpers/submission-queue-contract.ts";

const withRedis = hasService("redis-server", "redis-server", "the Redis submission queue tests");

describe.runIf(withRedis)("RedisSubmissionQueue", () => {
  let server: { url: string; stop: () => void } | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server?.stop());

  // Each test's storage is a Redis database of its own (SELECT n); its two "nodes" are two consumers on it.
  const databases = new Map<string, number>();
  submissionQueueContract(async (options, storage) => {
    if (!databases.has(storage)) databases.set(storage, databases.size + 1);
    const url = `${server!.url}/${databases.get(storage)}`;
    const [commands, blocking] = [connectRedis(url), connectRedis(url)];
    await Promise.all([redisReady(commands), redisReady(blocking)]);
    return new RedisSubmissionQueue(commands, blocking, options);
  });
});
