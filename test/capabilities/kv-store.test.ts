/** Every KvStore behaves the same: the in-memory one and the SQLite one. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedis, redisReady } from "../../src/adapters/node/redis/redis-connection.ts";
import { RedisKvStore } from "../../src/adapters/node/redis/redis-kv-store.ts";
import { startRedisServer } from "../helpers/redis-server.ts";
import { hasService } from "../helpers/services.ts";
import { SqliteKvStore } from "../../src/adapters/node/sqlite-kv-store.ts";
import { MemoryKvStore, type KvStore } from "../../src/capabilities/kv-store.ts";
import { kvStoreCases, opts } from "./kv-store-cases.ts";

const dir = mkdtempSync(join(tmpdir(), "kiln-kv-"));
const withRedis = hasService("redis-server", "redis-server", "RedisKvStore tests");
let redis: Awaited<ReturnType<typeof startRedisServer>> | undefined;
beforeAll(async () => {
  if (withRedis) redis = await startRedisServer();
});
afterAll(() => {
  redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const stores: [string, () => KvStore | Promise<KvStore>][] = [
  ["MemoryKvStore", () => new MemoryKvStore()],
  ["SqliteKvStore", () => new SqliteKvStore(join(dir, `${Math.random()}.sqlite`))],
  [
    "RedisKvStore",
    async () => {
      const connection = connectRedis(redis!.url);
      await redisReady(connection);
      await connection.flushall();
      return new RedisKvStore(connection);
    },
  ],
];

for (const [name, make] of stores) {
  describe.skipIf(name.startsWith("Redis") && !withRedis)(name, () => kvStoreCases(make));
}

describe("SqliteKvStore", () => {
  it("commits every write with synchronous=FULL, as deploys are: an acknowledged write survives a power loss", () => {
    using store = new SqliteKvStore(join(dir, "durable.sqlite"));
    expect(store.synchronous).toBe(2);
  });

  it("keeps data across reopening the file", async () => {
    const path = join(dir, "reopen.sqlite");
    {
      using store = new SqliteKvStore(path);
      await store.set("n", "k", "kept", opts());
    }
    using again = new SqliteKvStore(path);
    expect(await again.get("n", "k")).toBe("kept");
  });
});
