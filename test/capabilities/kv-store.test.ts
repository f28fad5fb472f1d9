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
const opts = (maxKeys = 100, expiresAt: number | null = null) => ({ expiresAt, maxKeys });

for (const [name, make] of stores) {
  describe.skipIf(name.startsWith("Redis") && !withRedis)(name, () => {
    it("gets, sets, overwrites and deletes", async () => {
      using store = await make();
      expect(await store.get("n", "k")).toBeUndefined();
      expect(await store.set("n", "k", "v1", opts())).toBe("ok");
      expect(await store.set("n", "k", "v2", opts())).toBe("ok");
      expect(await store.get("n", "k")).toBe("v2");
      expect(await store.delete("n", "k")).toBe(true);
      expect(await store.delete("n", "k")).toBe(false);
    });

    it("lists by prefix in order, up to a limit, within one namespace", async () => {
      using store = await make();
      for (const k of ["b/2", "a/1", "b/1", "b/3", "c"]) await store.set("n", k, "v", opts());
      await store.set("other", "b/9", "v", opts());
      expect(await store.list("n", "b/", 10)).toEqual(["b/1", "b/2", "b/3"]);
      expect(await store.list("n", "b/", 2)).toEqual(["b/1", "b/2"]);
      expect(await store.list("n", "", 10)).toEqual(["a/1", "b/1", "b/2", "b/3", "c"]);
      expect(await store.list("n", "%", 10)).toEqual([]);
    });

    it("hides expired keys and does not count them against the quota", async () => {
      using store = await make();
      await store.set("n", "old", "v", opts(2, Date.now() - 1));
      expect(await store.get("n", "old")).toBeUndefined();
      expect(await store.list("n", "", 10)).toEqual([]);
      expect(await store.set("n", "a", "v", opts(2))).toBe("ok");
      expect(await store.set("n", "b", "v", opts(2))).toBe("ok");
      expect(await store.set("n", "c", "v", opts(2))).toBe("quota");
      expect(await store.set("n", "a", "changed", opts(2))).toBe("ok");
    });
  });
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
