/**
 * The cases every PlatformStore passes, each on a fresh store from `make`: Node's vitest runs them per
 * store (platform-store.test.ts), and Deno and Bun run them on theirs (test/adapters/edge/store-cases.ts).
 * Web APIs only, so any runtime can import it.
 */
import { expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { createPlatform, devBootstrap } from "../../src/platform/create-platform.ts";
import type { ComponentRecord, PlatformStore } from "../../src/platform/platform-store.ts";

/** A tenant with grants, as the cases and platform-store.test.ts's own use it. */
export const tenant = (id: string) => ({ id, name: `name-${id}`, grants: { httpAllow: ["api.example.com"], kvMaxKeys: 10 }, createdAt: 1 });
/** A JavaScript script's spec. */
export const spec = (code: string) => ({ language: "javascript", code, grants: {} });
const component = (id: string, createdAt = 1): ComponentRecord => ({ id, imports: ["wasi:cli/stdout@0.2.3"], exports: ["run"], size: 1, createdAt });

export function platformStoreCases(make: () => PlatformStore | Promise<PlatformStore>): void {
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
}
