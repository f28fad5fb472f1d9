/**
 * Callers' own components through the real app and worker pool: the fixtures in
 * test/fixtures/components are real components built from C by clang and jco (see build.sh there).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkerPoolEngine } from "../../src/adapters/node/worker-pool.ts";
import { loadConfig } from "../../src/config.ts";
import { appWith, workerPool } from "../helpers/fixtures.ts";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/components/${name}.component.wasm`, import.meta.url));
const echo = fixture("echo");
const sockets = fixture("sockets");
const config = loadConfig({ KILN_GRANTS: JSON.stringify({ kv: { namespaces: ["*"] } }) });

let pool: WorkerPoolEngine;
let h: Awaited<ReturnType<typeof appWith>>;
let id: string;

const upload = async (bytes: Uint8Array, token = h.token) => {
  const res = await h.app.request("/v1/components", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/wasm" }, body: new Uint8Array(bytes) });
  return { status: res.status, body: (await res.json()) as any };
};
const run = (input: unknown, extra: Record<string, unknown> = {}) => h.post({ component: id, input, ...extra });

beforeAll(async () => {
  pool = await workerPool({ size: 2 });
  h = await appWith(pool, config);
  const res = await upload(echo);
  expect(res.status).toBe(201);
  id = res.body.id;
});
afterAll(async () => {
  await pool.close();
  expect(pool.threads).toBe(0);
});

describe("POST /v1/components", () => {
  it("uses the committed fixtures that build.sh made (SHA256SUMS)", async () => {
    const sums = readFileSync(new URL("../fixtures/components/SHA256SUMS", import.meta.url), "utf8").trim().split("\n");
    expect(sums).toHaveLength(3);
    for (const line of sums) {
      const [hash, name] = line.split(/\s+/);
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", fixture(name!.replace(".component.wasm", ""))));
      expect([...digest].map((b) => b.toString(16).padStart(2, "0")).join("")).toBe(hash);
    }
  });

  it("stores a component under its SHA-256 and lists what it imports and exports", async () => {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", echo));
    expect(id).toBe([...digest].map((b) => b.toString(16).padStart(2, "0")).join(""));
    const again = await upload(echo);
    expect(again).toMatchObject({ status: 200, body: { id, size: echo.length } });
    expect(again.body.imports).toEqual(expect.arrayContaining(["kiln:sandbox/kv@0.1.0", "wasi:cli/stdout@0.2.3"]));
    expect(again.body.exports).toEqual(["run"]);
    expect(await h.request(`/v1/components/${id}`)).toMatchObject({ status: 200, body: { id, exports: ["run"] } });
  });

  it("refuses a component that imports wasi:sockets, naming the imports, and stores nothing", async () => {
    const res = await upload(sockets);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("forbidden_import");
    expect(res.body.error.message).toContain("wasi:sockets/instance-network@0.2.3");
    expect(res.body.error.message).toContain("wasi:sockets/network@0.2.3");
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", sockets));
    const socketsId = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect((await h.post({ component: socketsId, input: null })).body.error.code).toBe("not_found");
  });

  it("refuses bytes that are not a component: a core module, garbage, nothing", async () => {
    const core = readFileSync(new URL("../../languages/lua/lua.wasm", import.meta.url));
    for (const bytes of [core, new TextEncoder().encode("not wasm at all"), new Uint8Array()]) {
      const res = await upload(bytes);
      expect(res).toMatchObject({ status: 400, body: { error: { code: "invalid_component" } } });
    }
  });

  it("needs the deploy scope, and keeps each tenant's components to itself", async () => {
    const runOnly = await h.platform.authority.issue(h.tenantId, { scopes: ["run"], ttlSeconds: 60 });
    expect((await upload(echo, runOnly)).status).toBe(403);
    const other = await h.app.request("/v1/tenants", { method: "POST", headers: { authorization: `Bearer ${h.adminToken}` }, body: JSON.stringify({ name: "other" }) });
    const { token } = (await other.json()) as { token: string };
    expect((await h.request(`/v1/components/${id}`, { as: token })).status).toBe(404);
    expect((await h.request("/v1/run", { body: { component: id, input: 1 }, as: token })).body.error.code).toBe("not_found");
  });
});

describe("POST /v1/run with a component", () => {
  it("runs it by id: JSON input in, JSON result out, stdout captured, usage counted", async () => {
    const res = await run({ a: [1, 2, "x"] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, result: { echo: { a: [1, 2, "x"] } }, stdout: "hello from C\n" });
    expect(res.body.usage.fuel).toBeGreaterThan(0);
    expect(res.body.usage.memoryBytes).toBeGreaterThan(0);
  });

  it("returns the component's err as a guest error", async () => {
    expect((await run("fail")).body).toMatchObject({ ok: false, error: { code: "guest_error", message: "asked to fail" } });
  });

  it("ends an endless loop with fuel_exhausted, with the same fuel every time", async () => {
    const fuel = new Set<number>();
    for (let i = 0; i < 3; i++) {
      const res = await run("loop", { limits: { fuel: 50 } });
      expect(res.body).toMatchObject({ ok: false, error: { code: "fuel_exhausted" }, usage: { fuel: 50 } });
      fuel.add(res.body.usage.fuel);
    }
    const echoFuel = new Set<number>();
    for (let i = 0; i < 10; i++) echoFuel.add((await run({ n: 1 })).body.usage.fuel);
    expect(echoFuel.size).toBe(1);
  });

  it("ends a memory bomb with memory_exhausted at the cap, and the next run is fine", async () => {
    const res = await run("grow", { limits: { memoryMb: 32 } });
    expect(res.body).toMatchObject({ ok: false, error: { code: "memory_exhausted" } });
    expect(res.body.usage.memoryBytes).toBeLessThanOrEqual(32 << 20);
    expect((await run(7)).body).toMatchObject({ ok: true, result: { echo: 7 } });
  });

  it("reaches kv when granted, and gets the WIT host-error `denied` when not", async () => {
    expect((await run("kv", { grants: { kv: { namespace: "components" } } })).body).toMatchObject({ ok: true, result: { kv: "v" } });
    const denied = await run("kv");
    expect(denied.body).toMatchObject({ ok: true, result: { kvError: expect.stringMatching(/^denied: kv is not granted/) } });
  });

  it("gives the run's stdin and args to the component (WASI's stdin and arguments), and caps them as for code", async () => {
    const conformance = await upload(fixture("conformance"));
    expect(conformance.status).toBeLessThan(300);
    const withIt = (input: unknown, extra: Record<string, unknown>) => h.post({ component: conformance.body.id, input, ...extra });
    expect((await withIt("stdin", { stdin: "line one\nline two ü\n" })).body).toMatchObject({ ok: true, result: "line one\nline two ü\n" });
    expect((await withIt("stdin", {})).body).toMatchObject({ ok: true, result: "" });
    expect((await withIt("args", { args: ["a", "b c", ""] })).body).toMatchObject({ ok: true, result: ["a", "b c", ""] });
    expect((await withIt("args", {})).body).toMatchObject({ ok: true, result: [] });
    const tooMany = await withIt("args", { args: Array.from({ length: 10_000 }, () => "x") });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error).toMatchObject({ code: "payload_too_large", message: expect.stringMatching(/^args: at most \d+ arguments/) });
  });

  it("refuses a run that mixes component and code, or names no valid id", async () => {
    expect((await h.post({ component: id, language: "lua", code: "return 1" })).body.error.code).toBe("invalid_request");
    expect((await h.post({ component: "abc" })).body.error.code).toBe("invalid_request");
    expect((await h.post({ language: "component", code: "x" })).body.error.code).toBe("invalid_request");
  });

  it("lists component among the languages", async () => {
    const { body } = await h.request("/v1/languages");
    expect(body.languages.map((l: { name: string }) => l.name)).toEqual(expect.arrayContaining(["javascript", "lua", "ruby", "component"]));
  });
});
