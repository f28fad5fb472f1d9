/** Fuel quotas through the real app: set by the admin, enforced on runs (429 quota_exceeded, Retry-After), shown by GET /v1/usage; bad quota values are 400. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import type { QuickJSEngine } from "../../src/engine/quickjs/quickjs-engine.ts";
import { createQuickJSEngine } from "../../src/quickjs-defaults.ts";
import { appWith, quickjsWasm } from "../helpers/fixtures.ts";

const config = loadConfig({ KILN_ADMIN_TOKEN: "admin-token-for-usage", KILN_JWT_KEY: "j".repeat(40), KILN_SECRET_KEY: "s".repeat(40), KILN_FUEL_PER_DAY: "1000000" });
const admin = config.adminToken!;
let engine: QuickJSEngine;
let h: Awaited<ReturnType<typeof appWith>>;

beforeAll(async () => {
  engine = createQuickJSEngine(await quickjsWasm());
  h = await appWith(engine, config);
});
afterAll(() => engine.dispose());

/** Burns some fuel: a loop. */
const BURN = "export default () => { let s = 0; for (let i = 0; i < 200000; i++) s += i % 7; return s; }";
const newTenant = async (name: string, quotas?: Record<string, unknown>) => {
  const res = await h.request("/v1/tenants", { body: { name, ...(quotas && { quotas }) }, as: admin });
  expect(res.status).toBe(201);
  return { id: res.body.tenant.id as string, token: res.body.token as string };
};
const burn = (token: string, fuel: number) => h.request("/v1/run", { body: { language: "javascript", code: BURN, limits: { fuel } }, as: token });

describe("fuel quotas", () => {
  it("admits runs while their fuel fits, then answers 429 quota_exceeded with Retry-After; other tenants and GET /v1/usage agree", async () => {
    const probe = await newTenant("probe");
    const first = await burn(probe.token, 1_000);
    expect(first.body.ok).toBe(true);
    const cost = first.body.usage.fuel as number;
    expect(cost).toBeGreaterThan(1);

    // A budget of three runs and a half; each asks for its cost plus one.
    const budget = Math.floor(cost * 3.5);
    const spender = await newTenant("spender", { fuelPerMinute: budget });
    const bystander = await newTenant("bystander", { fuelPerMinute: budget });
    const ok: number[] = [];
    let refused: { status: number; headers: Headers; body: any } | undefined;
    for (let i = 0; i < 10 && !refused; i++) {
      const res = await burn(spender.token, cost + 1);
      if (res.status === 200) ok.push(res.body.usage.fuel);
      else refused = res;
    }
    // Three runs fit; the fourth's limit (cost + 1) is more than the half run left.
    expect(ok).toEqual([cost, cost, cost]);
    expect(refused!.status).toBe(429);
    expect(refused!.body.error.code).toBe("quota_exceeded");
    const retry = Number(refused!.headers.get("retry-after"));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    // A smaller run still fits in what is left.
    const small = await h.request("/v1/run", { body: { language: "javascript", code: "export default () => 1", limits: { fuel: budget - 3 * cost } }, as: spender.token });
    expect(small.status).toBe(200);

    const usage = await h.request("/v1/usage", { as: spender.token });
    expect(usage.status).toBe(200);
    expect(usage.body.minute).toMatchObject({ fuel: 3 * cost + small.body.usage.fuel, fuelQuota: budget, runs: 4, runsQuota: config.rate.tenantPerMinute });
    expect(usage.body.day).toMatchObject({ fuel: 3 * cost + small.body.usage.fuel, fuelQuota: 1_000_000, runs: 4, runsQuota: null });
    expect(usage.body.minute.resetsInSeconds).toBeLessThanOrEqual(60);

    // The other tenant, with the same budget, is untouched.
    expect((await burn(bystander.token, cost + 1)).status).toBe(200);
    expect((await h.request("/v1/usage", { as: bystander.token })).body.minute).toMatchObject({ fuel: cost, runs: 1 });

    // A bigger quota applies from the next run; a limit over the whole budget is a 400 that says so.
    expect((await h.request(`/v1/tenants/${spender.id}`, { method: "PATCH", body: { quotas: { fuelPerMinute: budget * 10 } }, as: admin })).body.quotas).toEqual({ fuelPerMinute: budget * 10 });
    expect((await burn(spender.token, cost + 1)).status).toBe(200);
    const whole = await burn(spender.token, budget * 10 + 1);
    expect(whole.status).toBe(400);
    expect(whole.body.error.message).toMatch(/whole fuel budget per minute/);
  });

  it("refuses quota values that are negative, zero, fractional or not numbers (400), keeping the tenant as it was", async () => {
    const t = await newTenant("quota-typos", { fuelPerDay: 500 });
    for (const quotas of [{ fuelPerMinute: -1 }, { fuelPerMinute: 0 }, { fuelPerDay: 1.5 }, { fuelPerDay: "100" }, { runHistoryMax: -1 }, { runHistoryDays: 0 }, { fuelPerHour: 5 }]) {
      const res = await h.request(`/v1/tenants/${t.id}`, { method: "PATCH", body: { quotas }, as: admin });
      expect(res.status, JSON.stringify(quotas)).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
    expect((await h.request("/v1/tenants", { body: { name: "bad-quota", quotas: { fuelPerMinute: -5 } }, as: admin })).status).toBe(400);
    expect((await h.request(`/v1/tenants/${t.id}`, { as: admin })).body.quotas).toEqual({ fuelPerDay: 500 });
    expect((await h.request(`/v1/tenants/${t.id}`, { method: "PATCH", body: { quotas: { fuelPerDay: 600, runHistoryMax: 0 } }, as: admin })).body.quotas).toEqual({ fuelPerDay: 600, runHistoryMax: 0 });
  });

  it("shows usage to a run token only", async () => {
    const logsOnly = (await h.request(`/v1/tenants/${h.tenantId}/tokens`, { body: { scopes: ["logs"] }, as: admin })).body.token;
    expect((await h.request("/v1/usage", { as: logsOnly })).status).toBe(403);
    expect((await h.request("/v1/usage", { as: admin })).status).toBe(403);
    expect((await h.request("/v1/usage")).status).toBe(200);
  });
});
