/** Every PlatformStore behaves the same: the in-memory one and the SQLite one. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedis, redisReady } from "../../src/adapters/node/redis/redis-connection.ts";
import { RedisPlatformStore } from "../../src/adapters/node/redis/redis-platform-store.ts";
import { startRedisServer } from "../helpers/redis-server.ts";
import { hasService } from "../helpers/services.ts";
import { SqlitePlatformStore } from "../../src/adapters/node/sqlite-platform-store.ts";
import { MemoryPlatformStore } from "../../src/platform/memory-platform-store.ts";
import type { PlatformStore } from "../../src/platform/platform-store.ts";
import { loadConfig } from "../../src/config.ts";
import { createPlatform, devBootstrap } from "../../src/platform/create-platform.ts";
import { SqliteKvStore } from "../../src/adapters/node/sqlite-kv-store.ts";
import { RedisKvStore } from "../../src/adapters/node/redis/redis-kv-store.ts";
import type { ComponentRecord } from "../../src/platform/platform-store.ts";

const dir = mkdtempSync(join(tmpdir(), "kiln-platform-"));
const withRedis = hasService("redis-server", "redis-server", "RedisPlatformStore tests");
let redis: Awaited<ReturnType<typeof startRedisServer>> | undefined;
const connections: Redis[] = [];
beforeAll(async () => {
  if (withRedis) redis = await startRedisServer();
});
afterAll(() => {
  for (const c of connections) c.disconnect();
  redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const stores: [string, () => PlatformStore | Promise<PlatformStore>][] = [
  ["MemoryPlatformStore", () => new MemoryPlatformStore()],
  ["SqlitePlatformStore", () => new SqlitePlatformStore(join(dir, `${Math.random()}.sqlite`))],
  [
    "RedisPlatformStore",
    async () => {
      const connection = connectRedis(redis!.url);
      connections.push(connection);
      await redisReady(connection);
      await connection.flushall();
      return new RedisPlatformStore(connection);
    },
  ],
];
const tenant = (id: string) => ({ id, name: `name-${id}`, grants: { httpAllow: ["api.example.com"], kvMaxKeys: 10 }, createdAt: 1 });
const spec = (code: string) => ({ language: "javascript", code, grants: {} });
const component = (id: string, createdAt = 1): ComponentRecord => ({ id, imports: ["wasi:cli/stdout@0.2.3"], exports: ["run"], size: 1, createdAt });

for (const [name, make] of stores) {
  describe.skipIf(name.startsWith("Redis") && !withRedis)(name, () => {
    it("creates and finds tenants", async () => {
      using store = await make();
      await store.createTenant(tenant("a"));
      expect(await store.getTenant("a")).toEqual(tenant("a"));
      expect(await store.findTenantByName("name-a")).toEqual(tenant("a"));
      expect(await store.getTenant("b")).toBeUndefined();
    });

    it("keeps a version's source type (module or script) when the deploy gave one", async () => {
      using store = await make();
      await store.deployScript("a", "typed", { ...spec("v1"), type: "script" });
      await store.deployScript("a", "typed", spec("v2"));
      expect((await store.getScriptVersion("a", "typed", 1))?.type).toBe("script");
      expect(await store.getActiveScript("a", "typed")).not.toHaveProperty("type");
    });

    it("keeps a version's files, default args and stdin; a version without them has none", async () => {
      using store = await make();
      const inputs = { stdin: "line\n", args: ["-v", ""], files: [{ name: "lib/util.py", content: "X = 1\n" }] };
      await store.deployScript("a", "inputs", { ...spec("v1"), ...inputs });
      await store.deployScript("a", "inputs", { ...spec("v2"), stdin: "" });
      await store.deployScript("a", "inputs", spec("v3"));
      expect(await store.getScriptVersion("a", "inputs", 1)).toMatchObject(inputs);
      expect(await store.getScriptVersion("a", "inputs", 2)).toMatchObject({ stdin: "" });
      const plain = await store.getActiveScript("a", "inputs");
      for (const field of ["stdin", "args", "files"]) expect(plain).not.toHaveProperty(field);
    });

    it("deploys versions, activates the latest, rolls back and deletes", async () => {
      using store = await make();
      const v1 = await store.deployScript("a", "hook", spec("v1"));
      const v2 = await store.deployScript("a", "hook", { ...spec("v2"), limits: { fuel: 5 } });
      expect([v1.version, v2.version]).toEqual([1, 2]);
      expect((await store.getActiveScript("a", "hook"))?.code).toBe("v2");
      expect((await store.getActiveScript("a", "hook"))?.limits).toEqual({ fuel: 5 });
      expect(await store.activateVersion("a", "hook", 1)).toBe(true);
      expect(await store.activateVersion("a", "hook", 9)).toBe(false);
      expect((await store.getActiveScript("a", "hook"))?.code).toBe("v1");
      expect(await store.listScripts("a")).toEqual([{ name: "hook", activeVersion: 1, latestVersion: 2, language: "javascript", updatedAt: expect.any(Number) }]);
      expect((await store.listVersions("a", "hook")).map((v) => v.code)).toEqual(["v1", "v2"]);
      expect((await store.getScriptVersion("a", "hook", 2))?.code).toBe("v2");
      const v3 = await store.deployScript("a", "hook", spec("v3"));
      expect(v3.version).toBe(3);
      expect(await store.deleteScript("a", "hook")).toBe(true);
      expect(await store.getActiveScript("a", "hook")).toBeUndefined();
      expect(await store.listVersions("a", "hook")).toEqual([]);
    });

    it("keeps tenants' scripts and secrets apart", async () => {
      using store = await make();
      await store.deployScript("a", "hook", spec("a's"));
      await store.putSecret("a", "KEY", "sealed-a");
      expect(await store.getActiveScript("b", "hook")).toBeUndefined();
      expect(await store.listScripts("b")).toEqual([]);
      expect(await store.activateVersion("b", "hook", 1)).toBe(false);
      expect(await store.deleteScript("b", "hook")).toBe(false);
      expect(await store.getSecrets("b")).toEqual({});
      expect(await store.deleteSecret("b", "KEY")).toBe(false);
      expect(await store.getSecrets("a")).toEqual({ KEY: "sealed-a" });
    });

    it("refuses a second tenant of the same name", async () => {
      using store = await make();
      await store.createTenant(tenant("a"));
      await expect(store.createTenant({ ...tenant("b"), name: "name-a" })).rejects.toThrow();
      expect(await store.getTenant("b")).toBeUndefined();
    });

    it("bootstraps one dev tenant when two nodes sharing the store start at once", async () => {
      using store = await make();
      const config = loadConfig({});
      const nodes = await Promise.all([createPlatform({ config, store }), createPlatform({ config, store })]);
      const [a, b] = await Promise.all(nodes.map((p) => devBootstrap(p, config)));
      const tenantOf = async (token: string) => ((await nodes[0]!.authority.verify(`Bearer ${token}`)) as { tenantId: string }).tenantId;
      expect(await tenantOf(a!.tenantToken)).toBe(await tenantOf(b!.tenantToken));
    });

    it("lists, updates and deletes tenants; a delete takes everything the tenant owns", async () => {
      using store = await make();
      await store.createTenant(tenant("b"));
      await store.createTenant({ ...tenant("a"), scopes: ["run"] });
      expect((await store.listTenants()).map((t) => t.id)).toEqual(["a", "b"]);
      expect(await store.getTenant("a")).toEqual({ ...tenant("a"), scopes: ["run"] });
      // The id, name and creation time stay whatever the update says.
      const changed = { ...tenant("a"), name: "renamed", createdAt: 99, grants: { httpAllow: ["*.example.org"], kvMaxKeys: 3 }, scopes: ["run" as const, "logs" as const], quotas: { runsPerMinute: 5 } };
      expect(await store.updateTenant(changed)).toBe(true);
      expect(await store.getTenant("a")).toEqual({ ...tenant("a"), grants: changed.grants, scopes: ["run", "logs"], quotas: { runsPerMinute: 5 } });
      expect(await store.findTenantByName("renamed")).toBeUndefined();
      expect(await store.updateTenant(tenant("nobody"))).toBe(false);

      for (const id of ["a", "b"]) {
        await store.deployScript(id, "hook", spec("v1"));
        await store.deployScript(id, "hook", spec("v2"));
        await store.deployScript(id, "other", spec("v1"));
        await store.putSecret(id, "KEY", `sealed-${id}`);
        await store.putComponent(id, component("c1"), new Uint8Array([1]));
      }
      expect(await store.deleteTenant("a")).toBe(true);
      expect(await store.deleteTenant("a")).toBe(false);
      expect(await store.getTenant("a")).toBeUndefined();
      expect(await store.findTenantByName("name-a")).toBeUndefined();
      expect(await store.listScripts("a")).toEqual([]);
      expect(await store.listVersions("a", "hook")).toEqual([]);
      expect(await store.getScriptVersion("a", "hook", 1)).toBeUndefined();
      expect(await store.getSecrets("a")).toEqual({});
      expect(await store.listComponents("a")).toEqual([]);
      // The other tenant keeps all of its own.
      expect((await store.listScripts("b")).map((x) => x.name)).toEqual(["hook", "other"]);
      expect(await store.getSecrets("b")).toEqual({ KEY: "sealed-b" });
      expect((await store.listComponents("b")).map((c) => c.id)).toEqual(["c1"]);
      expect((await store.listTenants()).map((t) => t.id)).toEqual(["b"]);
      // The name is free again.
      await store.createTenant({ ...tenant("a2"), name: "name-a" });
      expect((await store.findTenantByName("name-a"))?.id).toBe("a2");
    });

    it("lists and deletes components, per tenant", async () => {
      using store = await make();
      await store.putComponent("a", component("c2", 2), new Uint8Array([2]));
      await store.putComponent("a", component("c1", 1), new Uint8Array([1]));
      await store.putComponent("b", component("c3", 3), new Uint8Array([3]));
      expect(await store.listComponents("a")).toEqual([component("c1", 1), component("c2", 2)]);
      expect(await store.deleteComponent("b", "c1")).toBe(false);
      expect(await store.deleteComponent("a", "c1")).toBe(true);
      expect(await store.deleteComponent("a", "c1")).toBe(false);
      expect(await store.getComponent("a", "c1")).toBeUndefined();
      expect((await store.listComponents("a")).map((c) => c.id)).toEqual(["c2"]);
      expect((await store.listComponents("b")).map((c) => c.id)).toEqual(["c3"]);
    });

    it("sets meta once", async () => {
      using store = await make();
      expect(await store.setMetaIfAbsent("k", "first")).toBe("first");
      expect(await store.setMetaIfAbsent("k", "second")).toBe("first");
      expect(await store.getMeta("k")).toBe("first");
    });
  });
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

  it.skipIf(!withRedis)("in Redis", async () => {
    const connection = connectRedis(redis!.url);
    connections.push(connection);
    await redisReady(connection);
    await connection.flushall();
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
