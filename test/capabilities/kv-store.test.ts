/** Every KvStore behaves the same: the in-memory, SQLite and Redis ones. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RedisKvStore } from "../../src/adapters/node/redis/redis-kv-store.ts";
import { suiteRedis } from "../helpers/redis-server.ts";
import { SqliteKvStore } from "../../src/adapters/node/sqlite-kv-store.ts";
import { MemoryKvStore, type KvStore } from "../../src/capabilities/kv-store.ts";
import { kvStoreCases, opts } from "./kv-store-cases.ts";

const dir = mkdtempSync(join(tmpdir(), "kiln-kv-"));
const redis = suiteRedis("RedisKvStore tests");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stores: [string, () => KvStore | Promise<KvStore>][] = [
  ["MemoryKvStore", () => new MemoryKvStore()],
  ["SqliteKvStore", () => new SqliteKvStore(join(dir, `${Math.random()}.sqlite`))],
  ["RedisKvStore", async () => new RedisKvStore(await redis.connect())],
];

for (const [name, make] of stores) {
  describe.skipIf(name.startsWith("Redis") && !redis.available)(name, () => kvStoreCases(make));
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
