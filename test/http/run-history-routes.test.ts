/** `GET /v1/runs` and `GET /v1/runs/{id}` through the real app: real runs, 1,000 stored runs paged, retention, tenants kept apart, bad input. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import type { QuickJSEngine } from "../../src/engine/quickjs/quickjs-engine.ts";
import { createQuickJSEngine } from "../../src/quickjs-defaults.ts";
import type { RunRecord } from "../../src/platform/run-history.ts";
import { appWith, quickjsWasm } from "../helpers/fixtures.ts";

const config = loadConfig({ KILN_ADMIN_TOKEN: "admin-token-for-run-history", KILN_JWT_KEY: "j".repeat(40), KILN_SECRET_KEY: "s".repeat(40), KILN_RUN_HISTORY_DAYS: "2" });
let engine: QuickJSEngine;
let h: Awaited<ReturnType<typeof appWith>>;
let other: { token: string; id: string };
const admin = config.adminToken!;

beforeAll(async () => {
  engine = createQuickJSEngine(await quickjsWasm());
  h = await appWith(engine, config);
  const res = await h.request("/v1/tenants", { body: { name: "other" }, as: admin });
  other = { token: res.body.token, id: res.body.tenant.id };
});
afterAll(() => engine.dispose());

const runJs = (code: string, as?: string) => h.request("/v1/run", { body: { language: "javascript", code }, as });
/** A stored run of `tenantId`, `n` ms after a fixed start. */
const stored = (tenantId: string, n: number, extra: Partial<RunRecord> = {}): RunRecord => ({
  id: `bulk-${String(n).padStart(5, "0")}`,
  tenantId,
  script: null,
  version: null,
  language: "javascript",
  outcome: "ok",
  kind: "run",
  usage: { fuel: 1, memoryBytes: 1, wallMs: 1 },
  startedAt: Date.now() - 3_600_000 + n,
  recorded: false,
  stdout: "",
  stderr: "",
  logs: [],
  result: n,
  ...extra,
});

describe("run ids and history of real runs", () => {
  it("returns a runId with every run and invocation, and lists them newest first", async () => {
    const ok = await runJs('import { log } from "kiln";\nexport default () => { console.log("hi"); log.write("info", "noted"); return {n: 1}; }');
    expect(ok.body.ok).toBe(true);
    expect(ok.body.runId).toMatch(/^[0-9a-f-]{36}$/);
    const failed = await runJs("export default () => { throw new Error('nope') }");
    expect(failed.body.ok).toBe(false);
    expect((await h.request("/v1/scripts/hist", { method: "PUT", body: { language: "javascript", code: "export default (i) => i.x * 2" } })).status).toBe(201);
    const invoked = await h.request("/v1/scripts/hist/invoke", { method: "POST", body: { x: 21 } });
    expect(invoked.body).toMatchObject({ ok: true, result: 42, script: { name: "hist", version: 1 } });
    expect(new Set([ok.body.runId, failed.body.runId, invoked.body.runId]).size).toBe(3);

    const list = await h.request("/v1/runs?limit=3");
    expect(list.status).toBe(200);
    expect(list.body.runs.map((r: any) => r.id)).toEqual([invoked.body.runId, failed.body.runId, ok.body.runId]);
    expect(list.body.runs[0]).toMatchObject({ script: "hist", version: 1, kind: "invoke", outcome: "ok", language: "javascript", recorded: false });
    expect(list.body.runs[1]).toMatchObject({ script: null, version: null, kind: "run", outcome: "guest_error" });
    expect(Date.parse(list.body.runs[0].startedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(list.body.runs[0].usage.fuel).toBe(invoked.body.usage.fuel);

    const one = await h.request(`/v1/runs/${ok.body.runId}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: ok.body.runId, outcome: "ok", result: { n: 1 }, stdout: "hi\n", logs: [{ level: "info", message: "noted" }] });
    expect(one.body.usage).toEqual(ok.body.usage);
    expect((await h.request(`/v1/runs/${failed.body.runId}`)).body.error).toMatchObject({ code: "guest_error", message: expect.stringContaining("nope") });

    expect((await h.request("/v1/runs?script=hist")).body.runs.map((r: any) => r.id)).toEqual([invoked.body.runId]);
    const failures = (await h.request("/v1/runs?outcome=guest_error")).body.runs;
    expect(failures.map((r: any) => r.id)).toContain(failed.body.runId);
    expect(failures.every((r: any) => r.outcome === "guest_error")).toBe(true);
  });

  it("never shows another tenant's runs: a 404 for its id, absent from the list", async () => {
    const mine = await runJs("export default () => 'mine'");
    const theirs = await runJs("export default () => 'theirs'", other.token);
    expect(theirs.status).toBe(200);
    const asOther = await h.request(`/v1/runs/${mine.body.runId}`, { as: other.token });
    expect(asOther.status).toBe(404);
    expect(asOther.body.error.code).toBe("not_found");
    expect((await h.request(`/v1/runs/${theirs.body.runId}`)).status).toBe(404);
    const otherList = (await h.request("/v1/runs?limit=200", { as: other.token })).body.runs.map((r: any) => r.id);
    expect(otherList).toEqual([theirs.body.runId]);
    expect((await h.request("/v1/runs?limit=200")).body.runs.map((r: any) => r.id)).not.toContain(theirs.body.runId);
    // A cursor names a position, not a tenant: another tenant's cursor pages only through the caller's runs.
    expect((await h.request(`/v1/runs/${theirs.body.runId}`, { as: other.token })).body.result).toBe("theirs");
  });
});

describe("paging", () => {
  it("pages through 1,000 runs with a cursor, each once, newest first, with the page size capped", async () => {
    const { id } = (await h.request("/v1/tenants", { body: { name: "pager" }, as: admin })).body.tenant;
    const token = (await h.request(`/v1/tenants/${id}/tokens`, { body: {}, as: admin })).body.token;
    for (let n = 0; n < 1_000; n++) await h.platform.store.putRun(stored(id, n, { outcome: n % 10 ? "ok" : "timeout" }), { maxRuns: 10_000, maxAgeMs: 86_400_000 });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: any } = await h.request(`/v1/runs?limit=150${cursor ? `&cursor=${cursor}` : ""}`, { as: token });
      expect(res.status).toBe(200);
      expect(res.body.runs.length).toBeLessThanOrEqual(150);
      seen.push(...res.body.runs.map((r: any) => r.id));
      cursor = res.body.cursor;
      pages++;
    } while (cursor && pages < 20);
    expect(pages).toBe(7);
    expect(seen).toEqual(Array.from({ length: 1_000 }, (_, i) => `bulk-${String(999 - i).padStart(5, "0")}`));
    // Over the server's maximum page: lowered to it.
    const big = await h.request("/v1/runs?limit=100000", { as: token });
    expect(big.body.runs).toHaveLength(200);
    // Filters page too.
    const timeouts = await h.request("/v1/runs?outcome=timeout&limit=60", { as: token });
    expect(timeouts.body.runs).toHaveLength(60);
    const rest = await h.request(`/v1/runs?outcome=timeout&limit=60&cursor=${timeouts.body.cursor}`, { as: token });
    expect(rest.body.runs).toHaveLength(40);
    expect(rest.body.cursor).toBeNull();
  });
});

describe("retention", () => {
  it("keeps the tenant's count (its quota, set by the admin) and hides runs past the server's age", async () => {
    const { id } = (await h.request("/v1/tenants", { body: { name: "keeper", quotas: { runHistoryMax: 3 } }, as: admin })).body.tenant;
    const token = (await h.request(`/v1/tenants/${id}/tokens`, { body: {}, as: admin })).body.token;
    const runIds: string[] = [];
    for (let n = 0; n < 5; n++) runIds.push((await runJs(`export default () => ${n}`, token)).body.runId);
    const kept = (await h.request("/v1/runs", { as: token })).body.runs.map((r: any) => r.id);
    expect(kept).toEqual(runIds.slice(2).reverse());
    expect((await h.request(`/v1/runs/${runIds[0]}`, { as: token })).status).toBe(404);
    expect((await h.request(`/v1/runs/${runIds[4]}`, { as: token })).body.result).toBe(4);

    // KILN_RUN_HISTORY_DAYS=2: a run from three days ago is not shown, even while still stored.
    const old = stored(id, 1, { id: "old-run", startedAt: Date.now() - 3 * 86_400_000 });
    await h.platform.store.putRun(old, { maxRuns: 10, maxAgeMs: 30 * 86_400_000 });
    expect((await h.request("/v1/runs/old-run", { as: token })).status).toBe(404);
    expect((await h.request("/v1/runs", { as: token })).body.runs.map((r: any) => r.id)).not.toContain("old-run");

    // A tenant with a count of 0 keeps none.
    expect((await h.request(`/v1/tenants/${id}`, { method: "PATCH", body: { quotas: { runHistoryMax: 0 } }, as: admin })).status).toBe(200);
    const unkept = await runJs("export default () => 'gone'", token);
    expect(unkept.body.result).toBe("gone");
    expect((await h.request(`/v1/runs/${unkept.body.runId}`, { as: token })).status).toBe(404);
  });
});

describe("bad input", () => {
  it("answers unknown ids with 404 and malformed queries with 400, then still serves", async () => {
    for (const id of ["00000000-0000-0000-0000-000000000000", "x", "..%2F..", "%00"]) {
      const res = await h.request(`/v1/runs/${id}`);
      expect(res.status, id).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    for (const query of ["limit=0", "limit=-1", "limit=1.5", "limit=abc", "outcome=bogus", "cursor=garbage", `cursor=${btoa("[1]")}`, "unknown=1"]) {
      const res = await h.request(`/v1/runs?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
    // The `logs` scope reads run history; a run-only token may not.
    const runOnly = (await h.request(`/v1/tenants/${h.tenantId}/tokens`, { body: { scopes: ["run"] }, as: admin })).body.token;
    expect((await h.request("/v1/runs", { as: runOnly })).status).toBe(403);
    expect((await h.request("/v1/runs", { as: admin })).status).toBe(403);
    expect((await h.request("/v1/runs")).status).toBe(200);
  });
});
