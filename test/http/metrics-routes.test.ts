/**
 * `GET /metrics` on the real Node server (`npm start`): after a mix of runs in JavaScript, Python and
 * Lua (ok, guest errors, syntax errors, fuel exhaustion, a timeout), the scrape, read with a Prometheus
 * text-format parser, counts exactly those runs by language and outcome, their durations and fuel,
 * the requests by route pattern and status, and has the worker gauges and process metrics. Without
 * the admin token the scrape is refused; KILN_METRICS_PORT serves it on loopback without one.
 */
import type { ChildProcess } from "node:child_process";
import { getMetricsFromIterator, type PromHistogramData, type PromMetric } from "prom2javascript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startKiln } from "../helpers/kiln-process.ts";

const ADMIN = "metrics-test-admin-token-0123456789";
let kiln: { base: string; token: string; child: ChildProcess };
let metricsPort: number;

beforeAll(async () => {
  metricsPort = await freePort();
  kiln = await startKiln({
    KILN_DB_PATH: ":memory:",
    KILN_ADMIN_TOKEN: ADMIN,
    KILN_WORKERS: "2",
    KILN_SPARE_WORKERS: "0",
    KILN_WARM_UP: "python,lua",
    KILN_METRICS_PORT: String(metricsPort),
  });
}, 120_000);
afterAll(() => {
  kiln?.child.kill("SIGTERM");
});

interface Case {
  language: string;
  code: string;
  outcome: string;
  limits?: Record<string, number>;
}

/** Each case once; `ok` cases twice, so a count above one is checked too. */
const CASES: Case[] = [
  { language: "javascript", code: `export default (input) => "hi " + input.name`, outcome: "ok" },
  { language: "javascript", code: `export default (input) => "hi " + input.name`, outcome: "ok" },
  { language: "javascript", code: `export default () => { throw new Error("boom") }`, outcome: "guest_error" },
  { language: "javascript", code: `export default (`, outcome: "syntax_error" },
  { language: "javascript", code: `export default () => { for (;;) {} }`, outcome: "fuel_exhausted", limits: { fuel: 500 } },
  { language: "javascript", code: `export default () => { for (;;) {} }`, outcome: "timeout", limits: { timeoutMs: 100, fuel: 200_000 } },
  { language: "python", code: `def main(i):\n    return "hi " + i["name"]`, outcome: "ok" },
  { language: "python", code: `def main(i):\n    return "hi " + i["name"]`, outcome: "ok" },
  { language: "python", code: `def main(i):\n    raise ValueError("boom")`, outcome: "guest_error" },
  { language: "python", code: `def main(i:\n    return 1`, outcome: "syntax_error" },
  { language: "python", code: `def main(i):\n    while True:\n        pass`, outcome: "fuel_exhausted", limits: { fuel: 500 } },
  { language: "lua", code: `function main(i) return "hi " .. i.name end`, outcome: "ok" },
  { language: "lua", code: `function main(i) return "hi " .. i.name end`, outcome: "ok" },
  { language: "lua", code: `function main(i) error("boom") end`, outcome: "guest_error" },
  { language: "lua", code: `function main(i return 1 end`, outcome: "syntax_error" },
  { language: "lua", code: `function main(i) while true do end end`, outcome: "fuel_exhausted", limits: { fuel: 500 } },
];

type Families = Map<string, PromMetric>;

/** A scrape, parsed by prom2javascript (a Prometheus text-format parser) into families by name. */
async function scrape(base: string, token?: string): Promise<{ status: number; type: string | null; families: Families }> {
  const res = await fetch(`${base}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  // prom-client writes an empty event-loop-lag gauge as `Nan`, which prom2javascript cannot read: those samples are left out.
  const lines = text.split("\n").filter((line) => !/ Nan$/.test(line));
  const families: Families = new Map(res.ok ? Object.entries(await getMetricsFromIterator(lines[Symbol.iterator]())) : []);
  return { status: res.status, type: res.headers.get("content-type"), families };
}

/** The samples of a family whose labels include `labels` (a counter's or gauge's `value`, a histogram's `count`, `sum` and `buckets`). */
function samples(families: Families, name: string, labels: Record<string, string> = {}): { labels: Record<string, string>; value?: number; count?: number; sum?: number; buckets?: Record<string, number> }[] {
  const family = families.get(name);
  expect(family, name).toBeDefined();
  return (family!.data as PromHistogramData[]).filter((m) => Object.entries(labels).every(([k, v]) => m.labels[k] === v));
}
const total = (list: { value?: number; count?: number }[]) => list.reduce((n, m) => n + (m.value ?? m.count ?? 0), 0);

describe("GET /metrics after a mix of runs", () => {
  const usages: { language: string; outcome: string; fuel: number | null }[] = [];

  beforeAll(async () => {
    // One at a time: each answer is checked before the next, so the counts below are exact.
    for (const c of CASES) {
      const res = await fetch(`${kiln.base}/v1/run`, {
        method: "POST",
        headers: { authorization: `Bearer ${kiln.token}`, "content-type": "application/json" },
        // A deadline that only the timeout case can reach, however slow a loaded machine is.
        body: JSON.stringify({ language: c.language, code: c.code, input: { name: "Ada" }, limits: { timeoutMs: 30_000, ...c.limits } }),
      });
      expect(res.status, `${c.language}: ${c.code}`).toBe(200);
      const body = (await res.json()) as { ok: boolean; error?: { code: string }; usage: { fuel: number | null } };
      expect(body.ok ? "ok" : body.error!.code, `${c.language}: ${c.code}`).toBe(c.outcome);
      usages.push({ language: c.language, outcome: c.outcome, fuel: body.usage.fuel });
    }
  }, 180_000);

  it("refuses a scrape without the admin token: 401 with none, 403 with a tenant's", async () => {
    expect((await scrape(kiln.base)).status).toBe(401);
    expect((await scrape(kiln.base, kiln.token)).status).toBe(403);
  });

  it("is in the OpenAPI document: text/plain, for the admin token", async () => {
    const document = (await (await fetch(`${kiln.base}/openapi.json`)).json()) as { paths: Record<string, any> };
    const get = document.paths["/metrics"]?.get;
    expect(get.security).toEqual([{ adminToken: [] }]);
    expect(Object.keys(get.responses["200"].content)).toEqual(["text/plain"]);
  });

  it("counts the runs by language and outcome exactly, with a duration and (where counted) fuel for each", async () => {
    const { status, type, families } = await scrape(kiln.base, ADMIN);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(families.get("kiln_runs_total")?.type).toBe("counter");
    const tally = new Map<string, number>();
    for (const c of CASES) tally.set(`${c.language}/${c.outcome}`, (tally.get(`${c.language}/${c.outcome}`) ?? 0) + 1);
    const counted = samples(families, "kiln_runs_total").map((m) => [`${m.labels.language}/${m.labels.outcome}`, m.value] as const);
    expect(new Map(counted)).toEqual(tally);

    expect(families.get("kiln_run_duration_seconds")?.type).toBe("histogram");
    expect(families.get("kiln_fuel_used")?.type).toBe("histogram");
    for (const language of ["javascript", "python", "lua"]) {
      const runs = usages.filter((u) => u.language === language);
      expect(total(samples(families, "kiln_run_duration_seconds", { language })), language).toBe(runs.length);
      expect(total(samples(families, "kiln_fuel_used", { language })), language).toBe(runs.filter((u) => u.fuel !== null).length);
      // Fuel observed is the fuel the answers reported.
      const fuelSum = samples(families, "kiln_fuel_used", { language }).reduce((n, m) => n + m.sum!, 0);
      expect(fuelSum, language).toBe(runs.reduce((n, u) => n + (u.fuel ?? 0), 0));
    }
    // Every duration sample says how its sandbox started.
    for (const m of samples(families, "kiln_run_duration_seconds")) expect(["fresh", "warm", "restored", "none"]).toContain(m.labels.start);
    // A histogram's buckets are cumulative and end at +Inf with its count.
    for (const m of samples(families, "kiln_run_duration_seconds")) expect(m.buckets!["+Inf"]).toBe(m.count);
  });

  it("counts requests by route pattern and status, never by raw path", async () => {
    await fetch(`${kiln.base}/v1/scripts/no-such-script-${Date.now()}`, { headers: { authorization: `Bearer ${kiln.token}` } });
    const { families } = await scrape(kiln.base, ADMIN);
    expect(total(samples(families, "kiln_http_requests_total", { route: "/v1/run", status: "200" }))).toBe(CASES.length);
    expect(total(samples(families, "kiln_http_requests_total", { route: "/metrics", status: "401" }))).toBe(1);
    expect(total(samples(families, "kiln_http_requests_total", { route: "/metrics", status: "403" }))).toBe(1);
    expect(total(samples(families, "kiln_http_requests_total", { route: "/v1/scripts/:name", status: "404" }))).toBe(1);
    for (const m of samples(families, "kiln_http_requests_total")) expect(m.labels.route).not.toMatch(/no-such-script/);
  });

  it("has the worker pool's gauges and counters, the warm pools' counts and the process metrics", async () => {
    const { families } = await scrape(kiln.base, ADMIN);
    expect(samples(families, "kiln_queue_depth")[0]!.value).toBe(0);
    expect(samples(families, "kiln_workers_busy")[0]!.value).toBe(0);
    expect(samples(families, "kiln_workers")[0]!.value).toBe(2);
    // Both reasons are there from the start, at 0 until a worker is replaced.
    expect(samples(families, "kiln_worker_restarts_total").map((m) => m.labels.reason).sort()).toEqual(["exit", "watchdog"]);
    // The second ok run of Python and Lua found the first one's instance kept warm (the workers take turns, so at least one hit each).
    expect(total(samples(families, "kiln_warm_pool_hits_total", { pool: "components" }))).toBeGreaterThan(0);
    expect(total(samples(families, "kiln_warm_pool_misses_total", { pool: "components" }))).toBeGreaterThan(0);
    expect(samples(families, "process_cpu_seconds_total")[0]!.value).toBeGreaterThan(0);
    expect(families.has("nodejs_heap_size_used_bytes")).toBe(true);
  });

  it("serves the same on KILN_METRICS_PORT, on loopback, without a token; and a benign run still succeeds", async () => {
    const { status, families } = await scrape(`http://127.0.0.1:${metricsPort}`);
    expect(status).toBe(200);
    expect(total(samples(families, "kiln_runs_total"))).toBe(CASES.length);
    // Only /metrics is there: the API is not.
    expect((await fetch(`http://127.0.0.1:${metricsPort}/v1/languages`)).status).toBe(404);
    const res = await fetch(`${kiln.base}/v1/run`, {
      method: "POST",
      headers: { authorization: `Bearer ${kiln.token}`, "content-type": "application/json" },
      body: JSON.stringify({ language: "lua", code: `function main(i) return 6 * 7 end`, input: null }),
    });
    expect(await res.json()).toMatchObject({ ok: true, result: 42 });
  });
});
