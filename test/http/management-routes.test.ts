/** The management routes (tenants, tokens, components) through the real app, over the in-memory and the SQLite platform store. */
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqlitePlatformStore } from "../../src/adapters/node/sqlite-platform-store.ts";
import { loadConfig } from "../../src/config.ts";
import type { QuickJSEngine } from "../../src/engine/quickjs/quickjs-engine.ts";
import { createPlatform, devBootstrap } from "../../src/platform/create-platform.ts";
import { MemoryPlatformStore } from "../../src/platform/memory-platform-store.ts";
import type { PlatformStore } from "../../src/platform/platform-store.ts";
import { appWith, coreEngine } from "../helpers/fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "kiln-tenant-routes-"));
const config = loadConfig({
  KILN_GRANTS: JSON.stringify({ kv: { namespaces: ["*"] }, http: { allow: ["api.example.com", "*.example.org"] } }),
  KILN_TOKEN_MAX_TTL_SECONDS: String(7 * 24 * 3600),
  KILN_TOKEN_TTL_SECONDS: "3600",
});
const echo = readFileSync(new URL("../fixtures/components/echo.component.wasm", import.meta.url));
let engine: QuickJSEngine;
beforeAll(async () => {
  engine = await coreEngine();
});
afterAll(() => {
  engine.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const stores: [string, () => PlatformStore][] = [
  ["memory", () => new MemoryPlatformStore()],
  ["SQLite", () => new SqlitePlatformStore(join(dir, `${Math.random()}.sqlite`))],
];

describe.each(stores)("tenants over the %s store", (_name, makeStore) => {
  let h: Awaited<ReturnType<typeof appWith>>;
  let store: PlatformStore;
  beforeAll(async () => {
    store = makeStore();
    h = await appWith(engine, config, { platform: await createPlatform({ config, store }) });
  });
  afterAll(() => store.dispose());
  const admin = (path: string, init: { method?: string; body?: unknown } = {}) => h.request(path, { ...init, as: h.adminToken });
  const create = (body: unknown) => admin("/v1/tenants", { body });

  it("creates a tenant and gives it back in the shape it was sent, with ISO timestamps", async () => {
    const res = await create({ name: "acme", grants: { http: { allow: ["api.example.com"] }, kv: { maxKeys: 5 } } });
    expect(res.status).toBe(201);
    expect(res.body.tenant).toEqual({
      id: expect.any(String),
      name: "acme",
      grants: { http: { allow: ["api.example.com"] }, kv: { maxKeys: 5 } },
      scopes: ["run", "deploy", "logs"],
      quotas: {},
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(Date.parse(res.body.expiresAt) - Date.now()).toBeGreaterThan(3500_000);
    const { id } = res.body.tenant;
    expect((await admin(`/v1/tenants/${id}`)).body).toEqual(res.body.tenant);
    expect((await admin("/v1/tenants/acme")).body).toEqual(res.body.tenant);
    const listed = (await admin("/v1/tenants")).body.tenants;
    expect(listed.map((t: { name: string }) => t.name)).toEqual(["acme", "test"]);
    expect(listed[0]).toEqual(res.body.tenant);
  });

  it("refuses unknown fields and grant keys, naming them, and bad values", async () => {
    const cases: [unknown, RegExp][] = [
      [{ name: "x1", grants: { secrets: ["A"] } }, /grants\.secrets: unknown field/],
      [{ name: "x2", limit: 1 }, /limit: unknown field/],
      [{ name: "x3", grants: { http: { allow: ["not a host"] } } }, /grants\.http\.allow\[0\]/],
      [{ name: "x4", grants: { kv: { maxKeys: -1 } } }, /grants\.kv\.maxKeys/],
      [{ name: "x5", scopes: [] }, /scopes/],
      [{ name: "x6", scopes: ["admin"] }, /scopes\[0\]/],
      [{ name: "x7", ttlSeconds: 999_999_999_999 }, /ttlSeconds/],
      [{ name: "x8", quotas: { runsPerMinute: 0 } }, /quotas\.runsPerMinute/],
      [{ name: "x9", quotas: { cpu: 1 } }, /quotas\.cpu: unknown field/],
      [{ name: "bad name" }, /name/],
    ];
    for (const [body, message] of cases) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
      expect(res.body.error.message).toMatch(message);
    }
    expect((await admin("/v1/tenants")).body.tenants.map((t: { name: string }) => t.name)).not.toContain("x7");
    expect((await create({ name: "acme" })).status).toBe(409);
    expect((await admin("/v1/tenants/nobody")).status).toBe(404);
    expect((await h.request("/v1/tenants")).status).toBe(403);
  });

  it("issues tokens by name or id, within the maximum lifetime and the tenant's scopes", async () => {
    const { tenant } = (await create({ name: "tokens", scopes: ["run", "logs"] })).body;
    const byName = await admin("/v1/tenants/tokens/tokens", { body: { scopes: ["run"], ttlSeconds: 600 } });
    expect(byName.status).toBe(201);
    expect(byName.body).toEqual({ token: expect.any(String), scopes: ["run"], expiresAt: expect.any(String) });
    const claims = decodeJwt(byName.body.token);
    expect(claims.sub).toBe(tenant.id);
    expect(new Date(claims.exp! * 1000).toISOString()).toBe(byName.body.expiresAt);
    expect(claims.exp! - claims.iat!).toBe(600);
    const byId = await admin(`/v1/tenants/${tenant.id}/tokens`, { method: "POST" });
    expect(byId.status).toBe(201);
    expect(byId.body.scopes).toEqual(["run", "logs"]);
    expect(decodeJwt(byId.body.token).exp! - decodeJwt(byId.body.token).iat!).toBe(3600);
    const refused: [unknown, RegExp][] = [
      [{ ttlSeconds: 30_000 * 365 * 24 * 3600 }, /ttlSeconds: must be an integer from 60 to 604800 \(KILN_TOKEN_MAX_TTL_SECONDS\)/],
      [{ ttlSeconds: 59 }, /ttlSeconds/],
      [{ scopes: [] }, /scopes: must name at least one scope/],
      [{ scopes: ["deploy"] }, /does not have the scope 'deploy'/],
      [{ scope: ["run"] }, /scope: unknown field/],
    ];
    for (const [body, message] of refused) {
      const res = await admin("/v1/tenants/tokens/tokens", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    expect((await admin("/v1/tenants/nobody/tokens", { body: {} })).status).toBe(404);
  });

  it("changes a tenant's grants and scopes; its runs and tokens follow at once", async () => {
    const { tenant, token } = (await create({ name: "grows" })).body;
    const run = { language: "js", code: "export default () => 1", grants: { http: { allow: ["api.example.com"] } } };
    const denied = await h.request("/v1/run", { body: run, as: token });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("grant_denied");

    const patched = await admin("/v1/tenants/grows", { method: "PATCH", body: { grants: { http: { allow: ["api.example.com"] } } } });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ ...tenant, grants: { http: { allow: ["api.example.com"] }, kv: { maxKeys: config.hostLimits.kvMaxKeys } } });
    expect((await h.request("/v1/run", { body: run, as: token })).body).toMatchObject({ ok: true, result: 1 });

    // Each part given replaces that part: kv alone keeps http.
    const kvOnly = await admin(`/v1/tenants/${tenant.id}`, { method: "PATCH", body: { grants: { kv: { maxKeys: 3 } }, scopes: ["run"] } });
    expect(kvOnly.body).toMatchObject({ grants: { http: { allow: ["api.example.com"] }, kv: { maxKeys: 3 } }, scopes: ["run"] });
    expect((await admin("/v1/tenants/grows")).body).toEqual(kvOnly.body);
    // The token was issued with deploy; the tenant no longer has it.
    const deploy = await h.request("/v1/scripts/s", { method: "PUT", body: { language: "js", code: "1" }, as: token });
    expect(deploy.status).toBe(403);
    expect(deploy.body.error.message).toMatch(/no longer has the 'deploy' scope/);
    expect((await h.request("/v1/run", { body: { language: "js", code: "export default () => 2" }, as: token })).body.result).toBe(2);

    for (const body of [{ grants: { http: { allow: "api.example.com" } } }, { name: "renamed" }, { scopes: [] }]) {
      const res = await admin("/v1/tenants/grows", { method: "PATCH", body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await admin("/v1/tenants/nobody", { method: "PATCH", body: {} })).status).toBe(404);
  });

  it("gives a tenant its own run quota in place of the server's, and takes it back", async () => {
    const { token } = (await create({ name: "quota", quotas: { runsPerMinute: 2 } })).body;
    const run = () => h.request("/v1/run", { body: { language: "js", code: "1" }, as: token });
    const statuses = [(await run()).status, (await run()).status];
    const over = await run();
    expect([...statuses, over.status]).toEqual([200, 200, 429]);
    expect(over.body.error.message).toBe("More than 2 runs per minute");
    // Three requests so far in this window (a refused one counts as a request): a quota of 4 leaves one more.
    const raised = await admin("/v1/tenants/quota", { method: "PATCH", body: { quotas: { runsPerMinute: 4 } } });
    expect(raised.body.quotas).toEqual({ runsPerMinute: 4 });
    expect((await run()).status).toBe(200);
    expect((await run()).status).toBe(429);
    // `{}` goes back to the server's quota (KILN_RATE_TENANT_PER_MINUTE, 60000 here).
    expect((await admin("/v1/tenants/quota", { method: "PATCH", body: { quotas: {} } })).body.quotas).toEqual({});
    expect((await run()).status).toBe(200);
  });

  it("deletes a tenant with its scripts, secrets and components; its tokens stop working and its name is free", async () => {
    const { tenant, token } = (await create({ name: "leaving" })).body;
    expect((await h.request("/v1/scripts/hook", { method: "PUT", body: { language: "js", code: "export default () => 1" }, as: token })).status).toBe(201);
    expect((await h.request("/v1/secrets/KEY", { method: "PUT", body: { value: "v" }, as: token })).status).toBe(200);
    const uploaded = await h.app.request("/v1/components", { method: "POST", headers: { authorization: `Bearer ${token}` }, body: new Uint8Array(echo) });
    expect(uploaded.status).toBe(201);

    const res = await admin("/v1/tenants/leaving", { method: "DELETE" });
    expect(res).toMatchObject({ status: 200, body: { deleted: "leaving", id: tenant.id } });
    const after = await h.request("/v1/scripts", { as: token });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe("unauthorized");
    expect(await store.listScripts(tenant.id)).toEqual([]);
    expect(await store.getSecrets(tenant.id)).toEqual({});
    expect(await store.listComponents(tenant.id)).toEqual([]);
    expect((await admin("/v1/tenants/leaving", { method: "DELETE" })).status).toBe(404);
    const again = await create({ name: "leaving" });
    expect(again.status).toBe(201);
    expect(again.body.tenant.id).not.toBe(tenant.id);
    expect((await h.request("/v1/scripts", { as: again.body.token })).body.scripts).toEqual([]);
  });
});

describe.each(stores)("components over the %s store", (_name, makeStore) => {
  it("lists and deletes a tenant's components; a run that names a deleted one is a 404", async () => {
    using store = makeStore();
    const h = await appWith(engine, config, { platform: await createPlatform({ config, store }) });
    const upload = () => h.app.request("/v1/components", { method: "POST", headers: { authorization: `Bearer ${h.token}` }, body: new Uint8Array(echo) });
    expect((await h.request("/v1/components")).body).toEqual({ components: [] });
    const uploaded = (await (await upload()).json()) as { id: string };
    const listed = await h.request("/v1/components");
    expect(listed.body.components).toEqual([
      { id: uploaded.id, imports: expect.any(Array), exports: ["run"], size: echo.length, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) },
    ]);
    expect((await h.request(`/v1/components/${uploaded.id}`)).body).toEqual(listed.body.components[0]);
    const runOnly = (await h.request(`/v1/tenants/${h.tenantId}/tokens`, { body: { scopes: ["run"] }, as: h.adminToken })).body.token;
    expect((await h.request(`/v1/components/${uploaded.id}`, { method: "DELETE", as: runOnly })).status).toBe(403);
    expect(await h.request(`/v1/components/${uploaded.id}`, { method: "DELETE" })).toMatchObject({ status: 200, body: { deleted: uploaded.id } });
    expect((await h.request("/v1/components")).body).toEqual({ components: [] });
    expect((await h.request(`/v1/components/${uploaded.id}`)).status).toBe(404);
    expect((await h.request(`/v1/components/${uploaded.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await h.post({ component: uploaded.id, input: null })).body.error.code).toBe("not_found");
    const malformed = await h.request("/v1/components/not-an-id", { method: "DELETE" });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/^id: /);
    // Uploading the same bytes again stores it anew.
    expect((await upload()).status).toBe(201);
  });
});

describe("GET /v1/scripts/:name/versions/:version", () => {
  it("reads any version's code, live or not", async () => {
    const h = await appWith(engine, config);
    for (const n of [1, 2]) await h.request("/v1/scripts/versioned", { method: "PUT", body: { language: "js", code: `export default () => ${n}` } });
    const first = await h.request("/v1/scripts/versioned/versions/1");
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ name: "versioned", version: 1, language: "javascript", code: "export default () => 1", createdAt: expect.any(String) });
    expect((await h.request("/v1/scripts/versioned/versions/2")).body.code).toBe("export default () => 2");
    expect((await h.request("/v1/scripts/versioned/versions/3")).status).toBe(404);
    expect((await h.request("/v1/scripts/nothing/versions/1")).status).toBe(404);
    for (const bad of ["0", "x", "1.5"]) {
      const res = await h.request(`/v1/scripts/versioned/versions/${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.message, bad).toMatch(/^version: /);
    }
  });
});

describe("the dev tenant", () => {
  it("gets the server's grants, set again at every start", async () => {
    using store = new SqlitePlatformStore(join(dir, "dev.sqlite"));
    const start = async (grants: unknown) => {
      const cfg = loadConfig({ KILN_GRANTS: JSON.stringify(grants) });
      const platform = await createPlatform({ config: cfg, store });
      const boot = (await devBootstrap(platform, cfg))!;
      return { platform, boot };
    };
    const first = await start({ http: { allow: ["127.0.0.1:18099"] } });
    expect((await store.findTenantByName("dev"))?.grants).toEqual({ httpAllow: ["127.0.0.1:18099"], kvMaxKeys: config.hostLimits.kvMaxKeys });
    // The quick start's token can use http on a host the server allows.
    const h = await appWith(engine, loadConfig({ KILN_GRANTS: JSON.stringify({ http: { allow: ["127.0.0.1:18099"] } }) }), { platform: first.platform });
    const run = await h.request("/v1/run", { body: { language: "js", code: "export default () => 'granted'", grants: { http: { allow: ["127.0.0.1:18099"] } } }, as: first.boot.tenantToken });
    expect(run.body).toMatchObject({ ok: true, result: "granted" });

    await start({ http: { allow: ["api.example.com"] } });
    expect((await store.findTenantByName("dev"))?.grants.httpAllow).toEqual(["api.example.com"]);
    expect((await store.listTenants()).filter((t) => t.name === "dev")).toHaveLength(1);
  });
});
