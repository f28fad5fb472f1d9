/** Every PlatformStore behaves the same: the in-memory, SQLite and Redis ones. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RedisPlatformStore } from "../../src/adapters/node/redis/redis-platform-store.ts";
import { nodePlatformStores } from "../helpers/platform-stores.ts";
import { SqlitePlatformStore } from "../../src/adapters/node/sqlite-platform-store.ts";
import { SqliteKvStore } from "../../src/adapters/node/sqlite-kv-store.ts";
import { RedisKvStore } from "../../src/adapters/node/redis/redis-kv-store.ts";
import { platformStoreCases, spec, tenant } from "./platform-store-cases.ts";

const dir = mkdtempSync(join(tmpdir(), "kiln-platform-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const { stores, skip, redis } = nodePlatformStores("tests");

for (const [name, make] of stores) {
  describe.skipIf(skip(name))(name, () => platformStoreCases(make));
}

describe("SqlitePlatformStore", () => {
  it("keeps everything across reopening the file", async () => {
    const path = join(dir, "reopen.sqlite");
    {
      using store = new SqlitePlatformStore(path);
      await store.createTenant(tenant("a"));
      await store.deployScript("a", "hook", spec("kept"));
    }
    using again = new SqlitePlatformStore(path);
    expect((await again.getActiveScript("a", "hook"))?.code).toBe("kept");
    expect(await again.getTenant("a")).toEqual(tenant("a"));
  });
});

describe("SqlitePlatformStore over a database from before script types", () => {
  it("adds the type column, keeps the old versions, and stores types from then on", async () => {
    const Database = (await import("better-sqlite3")).default;
    const path = join(dir, "old.sqlite");
    const old = new Database(path);
    old.exec(`CREATE TABLE script_versions (tenant_id TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
      language TEXT NOT NULL, code TEXT NOT NULL, grants TEXT NOT NULL, limits TEXT, created_at INTEGER NOT NULL,
      PRIMARY KEY (tenant_id, name, version)) WITHOUT ROWID;
      CREATE TABLE scripts (tenant_id TEXT NOT NULL, name TEXT NOT NULL, active_version INTEGER NOT NULL, PRIMARY KEY (tenant_id, name)) WITHOUT ROWID;
      INSERT INTO script_versions VALUES ('a', 'hook', 1, 'javascript', 'old', '{}', NULL, 1);
      INSERT INTO scripts VALUES ('a', 'hook', 1);`);
    old.close();
    for (let open = 0; open < 2; open++) {
      using store = new SqlitePlatformStore(path);
      expect(await store.getScriptVersion("a", "hook", 1)).toEqual({ name: "hook", version: 1, language: "javascript", code: "old", grants: {}, createdAt: 1 });
      if (open === 0) await store.deployScript("a", "hook", { ...spec("new"), type: "module" });
      expect(await store.getActiveScript("a", "hook")).toMatchObject({ code: "new", version: 2, type: "module" });
    }
  });
});

describe("deleting a tenant removes its kv entries", () => {
  it("in the SQLite file it shares with kv", async () => {
    const path = join(dir, "kv.sqlite");
    using kv = new SqliteKvStore(path);
    using store = new SqlitePlatformStore(path);
    await store.createTenant(tenant("a"));
    await store.createTenant(tenant("a0"));
    const options = { expiresAt: null, maxKeys: 10 };
    // "a0/…" sorts right after "a/…": a tenant id that is a prefix of another must not take the other's keys.
    for (const ns of ["a/one", "a/two", "a0/one", "b/one"]) await kv.set(ns, "k", ns, options);
    expect(await store.deleteTenant("a")).toBe(true);
    expect(await kv.get("a/one", "k")).toBeUndefined();
    expect(await kv.get("a/two", "k")).toBeUndefined();
    expect(await kv.get("a0/one", "k")).toBe("a0/one");
    expect(await kv.get("b/one", "k")).toBe("b/one");
  });

  it.skipIf(!redis.available)("in Redis", async () => {
    const connection = await redis.connect();
    const store = new RedisPlatformStore(connection);
    const kv = new RedisKvStore(connection);
    await store.createTenant(tenant("a"));
    await store.createTenant(tenant("a0"));
    const options = { expiresAt: Date.now() + 60_000, maxKeys: 10 };
    for (const ns of ["a/one", "a/two", "a0/one"]) await kv.set(ns, "k", ns, options);
    expect(await store.deleteTenant("a")).toBe(true);
    expect(await kv.get("a/one", "k")).toBeUndefined();
    expect(await kv.list("a/two", "", 10)).toEqual([]);
    expect(await kv.get("a0/one", "k")).toBe("a0/one");
    expect((await connection.keys("kiln:*:a/*")).length + (await connection.keys("kiln:*:a")).length).toBe(0);
  });
});

describe("SqlitePlatformStore over a database from before tenant scopes", () => {
  it("adds the scopes column; old tenants have none (every tenant scope)", async () => {
    const Database = (await import("better-sqlite3")).default;
    const path = join(dir, "old-tenants.sqlite");
    const old = new Database(path);
    old.exec(`CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, grants TEXT NOT NULL, created_at INTEGER NOT NULL);
      INSERT INTO tenants VALUES ('a', 'name-a', '{"httpAllow":["api.example.com"],"kvMaxKeys":10}', 1);`);
    old.close();
    using store = new SqlitePlatformStore(path);
    expect(await store.getTenant("a")).toEqual(tenant("a"));
    await store.updateTenant({ ...tenant("a"), scopes: ["run"] });
    expect((await store.getTenant("a"))?.scopes).toEqual(["run"]);
  });
});
