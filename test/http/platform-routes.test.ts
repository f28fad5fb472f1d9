/** Tenants, tokens, deployed scripts, secrets, logs, rate limits and quarantine through the real app. */
import { SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import type { QuickJSEngine } from "../../src/engine/quickjs/quickjs-engine.ts";
import { createQuickJSEngine } from "../../src/quickjs-defaults.ts";
import { MemoryKvStore } from "../../src/capabilities/kv-store.ts";
import { appWith, quickjsWasm } from "../helpers/fixtures.ts";

const config = loadConfig({
  KILN_ADMIN_TOKEN: "admin-token-for-tests",
  KILN_JWT_KEY: "j".repeat(40),
  KILN_SECRET_KEY: "s".repeat(40),
  KILN_GRANTS: JSON.stringify({ kv: { namespaces: ["*"] }, http: { allow: ["*"] } }),
  KILN_QUARANTINE_THRESHOLD: "2",
  KILN_RATE_SCRIPT_PER_MINUTE: "1000",
});
let engine: QuickJSEngine;
let h: Awaited<ReturnType<typeof appWith>>;
let other: { token: string; id: string };

beforeAll(async () => {
  engine = createQuickJSEngine(await quickjsWasm(), { services: { kv: new MemoryKvStore() } });
  h = await appWith(engine, config);
  const res = await h.request("/v1/tenants", { body: { name: "other", grants: { http: { allow: ["api.example.com"] } } }, as: config.adminToken! });
  other = { token: res.body.token, id: res.body.tenant.id };
});
afterAll(() => engine.dispose());

const deploy = (name: string, code: string, extra: Record<string, unknown> = {}, as?: string) =>
  h.request(`/v1/scripts/${name}`, { method: "PUT", body: { language: "javascript", code, ...extra }, as });
const invoke = (name: string, input?: unknown, as?: string) => h.request(`/v1/scripts/${name}/invoke`, { method: "POST", body: input, as });

describe("auth", () => {
  const key = new TextEncoder().encode(config.jwtKey!);
  const claims = () => new SignJWT({ scope: "run deploy" }).setSubject("x").setIssuer("kiln").setAudience("kiln");
  it("refuses a missing, forged, expired, alg=none or wrong-audience token with 401", async () => {
    const forged = await claims().setExpirationTime("1h").setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode("f".repeat(40)));
    const expired = await claims().setExpirationTime(1).setProtectedHeader({ alg: "HS256" }).sign(key);
    const none = new UnsecuredJWT({ scope: "admin" }).setSubject("x").setIssuer("kiln").setAudience("kiln").setExpirationTime("1h").encode();
    const audience = await claims().setAudience("elsewhere").setExpirationTime("1h").setProtectedHeader({ alg: "HS256" }).sign(key);
    for (const as of [null, "garbage", forged, expired, none, audience]) {
      const res = await h.request("/v1/run", { body: { language: "js", code: "1" }, as });
      expect(res.status, String(as)).toBe(401);
      expect(res.body.error.code).toBe("unauthorized");
      expect(res.headers.get("www-authenticate")).toMatch(/Bearer/);
    }
  });

  it("needs the right kind of token and scope (403)", async () => {
    expect((await h.request("/v1/tenants", { body: { name: "x" } })).status).toBe(403);
    expect((await h.request("/v1/run", { body: { language: "js", code: "1" }, as: config.adminToken! })).status).toBe(403);
    const runOnly = (await h.request(`/v1/tenants/${h.tenantId}/tokens`, { body: { scopes: ["run"] }, as: config.adminToken! })).body.token;
    expect((await deploy("s", "1", {}, runOnly)).status).toBe(403);
    expect((await h.request("/v1/run", { body: { language: "js", code: "export default () => 7" }, as: runOnly })).body.result).toBe(7);
  });

  it("creates tenants only once per name, with valid names", async () => {
    expect((await h.request("/v1/tenants", { body: { name: "other" }, as: config.adminToken! })).status).toBe(409);
    expect((await h.request("/v1/tenants", { body: { name: "bad name" }, as: config.adminToken! })).status).toBe(400);
  });
});

describe("deployed scripts", () => {
  it("deploys, invokes with the body as input, updates, lists versions and rolls back", async () => {
    const v1 = await deploy("pricing", "export default (order) => order.qty * 10");
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({ name: "pricing", version: 1, language: "javascript" });
    expect((await invoke("pricing", { qty: 3 })).body).toMatchObject({ ok: true, result: 30, script: { name: "pricing", version: 1 } });
    expect((await deploy("pricing", "export default (order) => order.qty * 12")).body.version).toBe(2);
    expect((await invoke("pricing", { qty: 3 })).body).toMatchObject({ result: 36, script: { version: 2 } });
    const versions = await h.request("/v1/scripts/pricing/versions");
    expect(versions.body).toMatchObject({ active: 2, versions: [{ version: 1 }, { version: 2 }] });
    expect((await h.request("/v1/scripts/pricing/rollback", { body: { version: 1 } })).body).toMatchObject({ version: 1 });
    expect((await invoke("pricing", { qty: 3 })).body.result).toBe(30);
    expect((await h.request("/v1/scripts/pricing")).body).toMatchObject({ version: 1, code: "export default (order) => order.qty * 10" });
    expect((await h.request("/v1/scripts")).body.scripts).toEqual([expect.objectContaining({ name: "pricing", activeVersion: 1, latestVersion: 2 })]);
    expect((await h.request("/v1/scripts/pricing/rollback", { body: { version: 9 } })).status).toBe(404);
  });

  it("refuses a broken deploy before it goes live", async () => {
    await deploy("stable", "export default () => 'v1'");
    for (const code of ["export default () => {", "throw new Error('at load')", "while (true) {}"]) {
      const res = await deploy("stable", code, { limits: { fuel: 50 } });
      expect(res.status, code).toBe(400);
      expect(res.body.error.code).toBe("invalid_script");
    }
    expect((await deploy("stable", "1", { language: "cobol" })).body.error.code).toBe("unsupported_language");
    expect((await invoke("stable")).body).toMatchObject({ result: "v1", script: { version: 1 } });
  });

  it("lets a run in flight finish on the old version while new runs get the new one", async () => {
    await deploy("atomic", "export default async () => { await new Promise((r) => setTimeout(r, 10)); return 'old' }");
    const inFlight = invoke("atomic");
    const update = deploy("atomic", "export default () => 'new'");
    expect((await inFlight).body).toMatchObject({ result: "old", script: { version: 1 } });
    expect((await update).status).toBe(201);
    expect((await invoke("atomic")).body).toMatchObject({ result: "new", script: { version: 2 } });
  });

  it("deletes a script", async () => {
    await deploy("gone", "export default () => 1");
    expect((await h.request("/v1/scripts/gone", { method: "DELETE" })).status).toBe(200);
    expect((await invoke("gone")).status).toBe(404);
  });

  it("rejects bad names and bodies", async () => {
    expect((await deploy("no%20spaces", "1")).status).toBe(400);
    expect((await h.request("/v1/scripts/pricing/invoke", { method: "POST", body: "{nope", raw: true })).body.error.code).toBe("invalid_json");
  });
});

describe("tenant isolation", () => {
  it("never shows or touches another tenant's scripts, whatever name it guesses", async () => {
    await deploy("mine", "export default () => 'secret sauce'");
    const as = other.token;
    expect((await h.request("/v1/scripts/mine", { as })).status).toBe(404);
    expect((await h.request("/v1/scripts/mine/versions", { as })).status).toBe(404);
    expect((await invoke("mine", null, as)).status).toBe(404);
    expect((await h.request("/v1/scripts/mine/rollback", { body: { version: 1 }, as })).status).toBe(404);
    expect((await h.request("/v1/scripts/mine", { method: "DELETE", as })).status).toBe(404);
    expect((await h.request("/v1/scripts", { as })).body.scripts).toEqual([]);
    expect((await invoke("mine")).body.result).toBe("secret sauce");
  });

  it("keeps kv namespaces and secrets per tenant", async () => {
    const write = `import { kv } from "kiln"; export default async () => { await kv.set("k", "mine", null); return kv.get("k") }`;
    const read = `import { kv } from "kiln"; export default () => kv.get("k")`;
    expect((await h.request("/v1/run", { body: { language: "js", code: write, grants: { kv: { namespace: "shared" } } } })).body.result).toBe("mine");
    expect((await h.request("/v1/run", { body: { language: "js", code: read, grants: { kv: { namespace: "shared" } } }, as: other.token })).body.result).toBe(null);
    await h.request("/v1/secrets/API_KEY", { method: "PUT", body: { value: "value-of-tenant-one" } });
    expect((await h.request("/v1/secrets", { as: other.token })).body.secrets).toEqual([]);
    expect((await h.request("/v1/secrets/API_KEY", { method: "DELETE", as: other.token })).status).toBe(404);
    const steal = await h.request("/v1/run", { body: { language: "js", code: "1", grants: { secrets: ["API_KEY"] } }, as: other.token });
    // Another tenant's secret looks the same as one that does not exist.
    expect(steal.status).toBe(404);
    expect(steal.body.error.code).toBe("not_found");
    await h.request("/v1/secrets/API_KEY", { method: "PUT", body: { value: "overwritten-by-other" }, as: other.token });
    const own = await h.request("/v1/run", { body: { language: "js", code: `import { secrets } from "kiln"; export default () => secrets.get("API_KEY")`, grants: { secrets: ["API_KEY"] } } });
    expect(own.body.result).toBe("value-of-tenant-one");
  });

  it("caps a script's grants by its tenant's", async () => {
    const res = await deploy("fetcher", "export default () => 1", { grants: { http: { allow: ["evil.example.com"] } } }, other.token);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("grant_denied");
    expect((await deploy("fetcher", "export default () => 1", { grants: { http: { allow: ["api.example.com"] } } }, other.token)).status).toBe(201);
  });
});

describe("secrets", () => {
  it("stores values sealed, lists names only, and gives granted runs the value", async () => {
    await h.request("/v1/secrets/STRIPE_KEY", { method: "PUT", body: { value: "sk_test_plaintext_value" } });
    const listed = await h.request("/v1/secrets");
    expect(listed.body.secrets).toContain("STRIPE_KEY");
    expect(JSON.stringify(listed.body)).not.toContain("sk_test_plaintext_value");
    const sealed = await h.platform.store.getSecrets(h.tenantId);
    expect(sealed.STRIPE_KEY).toBeDefined();
    expect(sealed.STRIPE_KEY).not.toContain("sk_test");
    const code = `import { secrets } from "kiln"; export default () => secrets.get("STRIPE_KEY").slice(0, 8)`;
    expect((await h.request("/v1/run", { body: { language: "js", code, grants: { secrets: ["STRIPE_KEY"] } } })).body.result).toBe("sk_test_");
    expect((await h.request("/v1/secrets/STRIPE_KEY", { method: "DELETE" })).status).toBe(200);
    expect((await h.request("/v1/secrets/STRIPE_KEY", { method: "DELETE" })).status).toBe(404);
  });
});

describe("quarantine and rate limits", () => {
  it("quarantines a script that keeps trapping, until it is redeployed", async () => {
    await deploy("spinner", "export default () => { while (true) {} }", { limits: { fuel: 20 } });
    expect((await invoke("spinner")).body.error.code).toBe("fuel_exhausted");
    expect((await invoke("spinner")).body.error.code).toBe("fuel_exhausted");
    const refused = await invoke("spinner");
    expect(refused.status).toBe(423);
    expect(refused.body.error.code).toBe("quarantined");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    await deploy("spinner", "export default () => 'fixed'");
    expect((await invoke("spinner")).body.result).toBe("fixed");
  });

  it("rate-limits a tenant with 429 and Retry-After", async () => {
    const limited = await appWith(engine, loadConfig({ KILN_RATE_TENANT_PER_MINUTE: "3" }));
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await limited.post({ language: "js", code: "1" })).status);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    const res = await limited.post({ language: "js", code: "1" });
    expect(res.body.error.code).toBe("rate_limited");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("log stream", () => {
  async function collect(token: string, query = "") {
    const res = await h.app.request(`/v1/logs/stream${query}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const events: any[] = [];
    let text = "";
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += new TextDecoder().decode(value);
        for (const m of text.matchAll(/event: log\ndata: (.*)\n/g)) events.push(JSON.parse(m[1]!));
        text = text.replace(/event: log\ndata: .*\n/g, "");
      }
    })();
    return { events, stop: () => reader.cancel().then(() => pump) };
  }

  it("streams the tenant's own log entries and console output, filtered by script", async () => {
    const mine = await collect(h.token, "?script=logger");
    const theirs = await collect(other.token);
    await deploy("logger", `import { log } from "kiln"; export default () => { log.write("warn", "careful"); console.log("printed") }`);
    await invoke("logger");
    await h.request("/v1/run", { body: { language: "js", code: "console.log('not from logger')" } });
    // The bus delivers in order: once the logger's two events are in, anything for the other tenant would be too.
    await expect.poll(() => mine.events.length).toBe(2);
    await mine.stop();
    await theirs.stop();
    expect(mine.events.map((e) => [e.stream, e.level ?? null, e.message, e.script])).toEqual([
      ["log", "warn", "careful", "logger"],
      ["stdout", null, "printed\n", "logger"],
    ]);
    expect(theirs.events).toEqual([]);
  });
});
