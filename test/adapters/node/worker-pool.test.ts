import { afterEach, describe, expect, it } from "vitest";
import { RequestError } from "../../../src/errors.ts";
import { WorkerPoolEngine } from "../../../src/adapters/node/worker-pool.ts";
import { defaultRuntimes } from "../../../src/quickjs-defaults.ts";
import { quickjsLanguages } from "../../../languages/index.ts";
import { QuickJSEngine } from "../../../src/engine/quickjs/quickjs-engine.ts";
import { loadConfig } from "../../../src/config.ts";
import { appWith, job, quickjsWasm, testConfig, workerPool } from "../../helpers/fixtures.ts";

let pool: WorkerPoolEngine | undefined;
afterEach(async () => {
  await pool?.close();
  expect(pool?.threads ?? 0).toBe(0);
  pool = undefined;
});

const slowNative = "JSON.parse('[' + '1,'.repeat(2e7) + '1]')";

describe("WorkerPoolEngine", () => {
  it("kills a worker stuck in a native call at its deadline and replaces it", async () => {
    pool = await workerPool({ size: 1 });
    const out = await pool.run(job("javascript", slowNative, { limits: { memoryMb: 256, timeoutMs: 300 } }));
    expect(out).toMatchObject({ ok: false, error: { code: "timeout" } });
    // The counts are lost with the thread: null, not whatever the worker last published.
    expect(out.usage).toEqual({ fuel: null, memoryBytes: null, wallMs: expect.any(Number) });
    const next = await pool.run(job("javascript", "export default () => 'alive'"));
    expect(next).toMatchObject({ ok: true, result: "alive" });
    expect(pool.threads).toBe(1);
  });

  it("reports null usage for a component run the watchdog stopped", async () => {
    pool = await workerPool({ size: 1 });
    const out = await pool.run(job("python", "while True: pass", { limits: { fuel: 200_000, timeoutMs: 100 } }));
    expect(out).toMatchObject({ ok: false, error: { code: "timeout", message: expect.stringContaining("its worker was stopped") } });
    expect(out.usage).toEqual({ fuel: null, memoryBytes: null, wallMs: expect.any(Number) });
  });

  it("loads the TypeScript transpiler before a worker takes jobs, so a first run with a tight deadline is not killed", async () => {
    // No grace: the watchdog fires at the deadline itself. A cold worker took longer than 100 ms for its first TypeScript run.
    pool = new WorkerPoolEngine({ size: 1, maxQueue: 10, wasmModule: await quickjsWasm(), languages: QuickJSEngine.languagesOf(quickjsLanguages), kvPath: ":memory:", cacheDir: ".kiln/cache", graceMs: 0 });
    const tight = { input: 21, limits: { timeoutMs: 100 } };
    expect(await pool.run(job("typescript", "export default (n: number): number => n * 2", tight))).toMatchObject({ ok: true, result: 42 });
    // The replacement of a killed worker warms up too.
    expect(await pool.run(job("javascript", slowNative, { limits: { memoryMb: 256, timeoutMs: 100 } }))).toMatchObject({ error: { code: "timeout" } });
    expect(await pool.run(job("typescript", "enum E { A = 40 }\nexport default (n: number): number => n + E.A + 1", { ...tight, input: 1 }))).toMatchObject({ ok: true, result: 42 });
  });

  it("starts the warm-up languages before a worker takes jobs, so a first run finds a warm instance", async () => {
    pool = await workerPool({ size: 1, warmUp: { languages: ["ruby", "python"], memoryMb: testConfig.defaults.memoryMb } });
    await pool.ready();
    for (const [language, code] of [["ruby", "def main(i) = 1"], ["python", "def main(i):\n    return 1"]] as const) {
      const out = await pool.run(job(language, code));
      expect(out, language).toMatchObject({ ok: true, result: 1, usage: { start: "warm" } });
    }
  });

  it("ends TypeScript that esbuild takes too long over at the deadline, without killing the worker", async () => {
    pool = await workerPool({ size: 1 });
    const slow = "let f = " + "x=>".repeat(1500) + "1";
    const out = await pool.run(job("typescript", slow, { limits: { timeoutMs: 300 } }));
    expect(out).toMatchObject({ ok: false, error: { code: "timeout", message: "The script ran past its deadline (300 ms) while its TypeScript was transpiled" } });
    expect(out.usage.fuel).toEqual(expect.any(Number));
    expect(await pool.run(job("typescript", "export default (): string => 'alive'"))).toMatchObject({ ok: true, result: "alive" });
  });

  it("keeps other requests unaffected while one worker is killed", async () => {
    pool = await workerPool({ size: 2 });
    const stuck = pool.run(job("javascript", slowNative, { limits: { memoryMb: 256, timeoutMs: 500 } }));
    const others = await Promise.all(
      Array.from({ length: 20 }, (_, i) => pool!.run(job("javascript", "export default (n) => n * 2", { input: i }))),
    );
    others.forEach((o, i) => expect(o).toMatchObject({ ok: true, result: i * 2 }));
    expect(await stuck).toMatchObject({ ok: false, error: { code: "timeout" } });
  });

  it("rejects with overloaded when the queue is full", async () => {
    pool = await workerPool({ size: 1, maxQueue: 1 });
    await pool.ready();
    const spin = () => pool!.run(job("javascript", "while (true) {}", { limits: { fuel: 300 } }));
    const first = spin();
    const second = spin();
    const third = spin();
    await expect(third).rejects.toSatisfy((e) => e instanceof RequestError && e.code === "overloaded");
    expect(await first).toMatchObject({ error: { code: "fuel_exhausted" } });
    expect(await second).toMatchObject({ error: { code: "fuel_exhausted" } });
  });

  it("rejects queued jobs and stops every thread on close", async () => {
    pool = await workerPool({ size: 1 });
    await pool.ready();
    const running = expect(pool.run(job("javascript", "while (true) {}", { limits: { fuel: 100_000 } }))).rejects.toThrow(/exited/);
    const queued = expect(pool.run(job("javascript", "1"))).rejects.toThrow(/disposed/);
    await pool.close();
    await queued;
    await running;
    expect(pool.threads).toBe(0);
  });

  it("serves tenants in turns: another tenant's run waits for one run of a busy tenant's backlog, not for all of it", async () => {
    pool = await workerPool({ size: 1 });
    await pool.ready();
    const finished: string[] = [];
    const busy = (name: string, owner: string) =>
      pool!.run({ ...job("javascript", "export default () => { let s = 0; for (let i = 0; i < 2e5; i++) s += i; return s }"), owner }).then((out) => {
        expect(out.ok).toBe(true);
        finished.push(name);
      });
    // a1 starts at once; a2…a5 and b1 wait, and b1 goes right after a2 (its turn), not after a5.
    await Promise.all([busy("a1", "a"), busy("a2", "a"), busy("a3", "a"), busy("a4", "a"), busy("a5", "a"), busy("b1", "b")]);
    expect(finished).toEqual(["a1", "a2", "b1", "a3", "a4", "a5"]);
  });

  it("queues a job behind a busy worker's run, and a worker that falls idle takes it back unstarted", async () => {
    pool = await workerPool({ size: 2 });
    await pool.ready();
    const finished: string[] = [];
    const run = (name: string, code: string, fuel = 10_000) =>
      pool!.run(job("javascript", code, { limits: { fuel } })).then((out) => {
        expect(out).toMatchObject({ ok: true });
        finished.push(name);
      });
    // `long` and `short` take the two workers; `next` is queued behind one of them (the pool counts it as waiting).
    const long = run("long", "export default () => { let s = 0; for (let i = 0; i < 3e7; i++) s += i; return s }", 1e9);
    const short = run("short", "export default () => 1");
    const next = run("next", "export default () => 2");
    expect(pool.queueDepth).toBe(1);
    await Promise.all([long, short, next]);
    // Queued behind `long`, `next` would have ended after it: the worker `short` left idle took it back.
    expect(finished).toEqual(["short", "next", "long"]);
    // Many jobs through both workers, queued or not: each answered once, with its own result.
    const many = await Promise.all(Array.from({ length: 40 }, (_, i) => pool!.run(job("javascript", "export default (n) => n * 3", { input: i }))));
    many.forEach((o, i) => expect(o).toMatchObject({ ok: true, result: i * 3 }));
  });

  it("quarantines ad-hoc code the watchdog keeps having to stop, for its tenant only", async () => {
    pool = await workerPool({ size: 1 });
    const h = await appWith(pool, loadConfig({ KILN_QUARANTINE_STOPPED_THRESHOLD: "1" }));
    const stuck = { language: "javascript", code: slowNative, limits: { memoryMb: 256, timeoutMs: 300 } };
    expect((await h.post(stuck)).body).toMatchObject({ ok: false, error: { code: "timeout", message: expect.stringContaining("its worker was stopped") } });
    const refused = await h.post(stuck);
    expect(refused.status).toBe(423);
    expect(refused.body.error).toEqual({ code: "quarantined", message: expect.stringContaining("This code is quarantined") });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // Other code of the same tenant runs, and a run that merely ends in a trap never counts.
    for (let i = 0; i < 2; i++) expect((await h.post({ language: "javascript", code: "while (true) {}", limits: { fuel: 50 } })).body.error.code).toBe("fuel_exhausted");
    expect((await h.post({ language: "javascript", code: "while (true) {}", limits: { fuel: 50 } })).body.error.code).toBe("fuel_exhausted");
    // Another tenant's identical code is its own: admitted (and stopped again).
    const other = (await h.request("/v1/tenants", { body: { name: "other-quarantine" }, as: h.adminToken })).body.token as string;
    expect((await h.request("/v1/run", { body: stuck, as: other })).body).toMatchObject({ ok: false, error: { code: "timeout" } });
    // And the pool still serves.
    expect((await h.post({ language: "javascript", code: "export default () => 'still serving'" })).body).toMatchObject({ ok: true, result: "still serving" });
  });

  it("replaces a stopped worker with a warm spare at once, and starts a new spare", async () => {
    pool = await workerPool({ size: 1, spares: 1, warmUp: { languages: ["python"], memoryMb: testConfig.defaults.memoryMb } });
    await pool.ready({ spares: true });
    expect(pool.threads).toBe(2);
    expect(await pool.run(job("javascript", slowNative, { limits: { memoryMb: 256, timeoutMs: 300 } }))).toMatchObject({ error: { code: "timeout" } });
    // The spare took the stopped worker's place already warm: Python's first run there is a pool hit, not a cold start.
    expect(await pool.run(job("python", "def main(i):\n    return 6 * 7"))).toMatchObject({ ok: true, result: 42, usage: { start: "warm" } });
    await pool.ready({ spares: true });
    expect(pool.threads).toBe(2);
  });
});
