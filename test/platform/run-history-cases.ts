/**
 * The run-history cases every PlatformStore passes, each on a fresh store from `make`: Node's vitest runs
 * them per store (run-history.test.ts), and Deno and Bun run them on theirs (test/adapters/edge/store-cases.ts).
 * Web APIs only, so any runtime can import it.
 */
import { expect, it } from "vitest";
import type { PlatformStore } from "../../src/platform/platform-store.ts";
import { decodeCursor, encodeCursor, newestFirst, runSummary, type RunRecord, type RunRetention } from "../../src/platform/run-history.ts";

const KEEP_ALL: RunRetention = { maxRuns: 100_000, maxAgeMs: 7 * 86_400_000 };
const now = Date.now();
let serial = 0;
/** A run of tenant `t`; `n` orders them (a later n started later). */
function run(t: string, n: number, extra: Partial<RunRecord> = {}): RunRecord {
  serial++;
  const ok = n % 3 !== 0;
  return {
    id: `${String(serial).padStart(8, "0")}-${t}`,
    tenantId: t,
    script: n % 2 ? "hook" : null,
    version: n % 2 ? 1 : null,
    language: "javascript",
    outcome: ok ? "ok" : "fuel_exhausted",
    kind: n % 2 ? "invoke" : "run",
    usage: { fuel: n, memoryBytes: 1024, wallMs: 1, start: "warm" },
    startedAt: now - 1_000_000 + n * 10,
    recorded: false,
    stdout: `out ${n}\n`,
    stderr: "",
    logs: [{ level: "info", message: `log ${n}` }],
    ...(ok ? { result: { n } } : { error: { code: "fuel_exhausted" as const, message: "out of fuel" } }),
    ...extra,
  };
}
const ids = (runs: { id: string }[]) => runs.map((r) => r.id);
const since = 0;

export function runHistoryCases(make: () => PlatformStore | Promise<PlatformStore>): void {
  it("keeps a run whole and shows it only to its tenant", async () => {
    using store = await make();
    const a = run("a", 1, { stdout: "é ✓ ".repeat(10_000), result: { deep: [1, "two", null] } });
    await store.putRun(a, KEEP_ALL);
    expect(await store.getRun("a", a.id, since)).toEqual(a);
    expect(await store.getRun("b", a.id, since)).toBeUndefined();
    expect(await store.getRun("a", "no-such-run", since)).toBeUndefined();
    expect(await store.listRuns("b", { limit: 10, since })).toEqual([]);
    expect(await store.listRuns("a", { limit: 10, since })).toEqual([runSummary(a)]);
    const failed = run("a", 3);
    await store.putRun(failed, KEEP_ALL);
    expect(await store.getRun("a", failed.id, since)).toEqual(failed);
  });

  it("pages through 1,000 runs newest first, each once, with filters", async () => {
    using store = await make();
    const all = Array.from({ length: 1_000 }, (_, i) => run(i % 2 ? "a" : "a", Math.floor(i / 2)));
    // Pairs share a start time: the id breaks the tie.
    for (const r of all) await store.putRun(r, KEEP_ALL);
    await store.putRun(run("b", 5), KEEP_ALL);
    const expected = ids([...all].sort(newestFirst));
    const seen: string[] = [];
    let after: { startedAt: number; id: string } | undefined;
    for (let page = 0; page < 20; page++) {
      const runs = await store.listRuns("a", { limit: 97, since, ...(after && { after }) });
      if (!runs.length) break;
      seen.push(...ids(runs));
      after = decodeCursor(encodeCursor(runs[runs.length - 1]!));
    }
    expect(seen).toEqual(expected);
    const hooks = await store.listRuns("a", { script: "hook", outcome: "fuel_exhausted", limit: 1_000, since });
    expect(hooks.length).toBeGreaterThan(0);
    expect(hooks.every((r) => r.script === "hook" && r.outcome === "fuel_exhausted")).toBe(true);
    expect(ids(hooks)).toEqual(expected.filter((id) => hooks.some((h) => h.id === id)));
    expect(hooks.length).toBe(all.filter((r) => r.script === "hook" && r.outcome === "fuel_exhausted").length);
    // A filtered page stops at its limit, and the next one goes on from there.
    const first = await store.listRuns("a", { script: "hook", limit: 10, since });
    const second = await store.listRuns("a", { script: "hook", limit: 10, since, after: first[9]! });
    expect(first.length + second.length).toBe(20);
    expect(new Set(ids([...first, ...second])).size).toBe(20);
    expect(newestFirst(first[9]!, second[0]!)).toBeLessThan(0);
  });

  it("keeps at most the retention's count, dropping the oldest", async () => {
    using store = await make();
    const runs = Array.from({ length: 8 }, (_, n) => run("a", n));
    for (const r of runs) await store.putRun(r, { maxRuns: 5, maxAgeMs: 86_400_000 });
    await store.putRun(run("b", 1), { maxRuns: 5, maxAgeMs: 86_400_000 });
    expect(ids(await store.listRuns("a", { limit: 100, since }))).toEqual(ids(runs.slice(3).reverse()));
    expect(await store.getRun("a", runs[0]!.id, since)).toBeUndefined();
    expect(await store.getRun("a", runs[3]!.id, since)).toEqual(runs[3]);
    // A smaller count applies at the next write.
    await store.putRun(run("a", 9), { maxRuns: 2, maxAgeMs: 86_400_000 });
    expect(await store.listRuns("a", { limit: 100, since })).toHaveLength(2);
    expect(await store.listRuns("b", { limit: 100, since })).toHaveLength(1);
  });

  it("drops runs past the retention's age when one is stored, and hides them when read", async () => {
    using store = await make();
    const old = run("a", 1, { startedAt: Date.now() - 3 * 86_400_000 });
    const recent = run("a", 2, { startedAt: Date.now() - 1_000 });
    await store.putRun(old, KEEP_ALL);
    await store.putRun(recent, KEEP_ALL);
    // Read with a 2-day age: the old one is gone from both reads, though still stored.
    const twoDays = Date.now() - 2 * 86_400_000;
    expect(ids(await store.listRuns("a", { limit: 10, since: twoDays }))).toEqual([recent.id]);
    expect(await store.getRun("a", old.id, twoDays)).toBeUndefined();
    expect(await store.getRun("a", old.id, since)).toEqual(old);
    // A write with a 2-day age removes it.
    await store.putRun(run("a", 3, { startedAt: Date.now() }), { maxRuns: 100, maxAgeMs: 2 * 86_400_000 });
    expect(await store.getRun("a", old.id, since)).toBeUndefined();
    expect(await store.listRuns("a", { limit: 10, since })).toHaveLength(2);
  });

  it("deletes a tenant's runs with the tenant", async () => {
    using store = await make();
    for (const t of ["a", "b"]) await store.createTenant({ id: t, name: `name-${t}`, grants: { httpAllow: [], kvMaxKeys: 1 }, createdAt: 1 });
    const a = run("a", 1);
    const b = run("b", 1);
    await store.putRun(a, KEEP_ALL);
    await store.putRun(b, KEEP_ALL);
    expect(await store.deleteTenant("a")).toBe(true);
    expect(await store.getRun("a", a.id, since)).toBeUndefined();
    expect(await store.listRuns("a", { limit: 10, since })).toEqual([]);
    expect(await store.getRun("b", b.id, since)).toEqual(b);
  });
}
