/**
 * QuickJS snapshots for `npm run bench`: for a tiny and a heavy top level, a cold run (new runtime and
 * context, top level, handler) against a run from the snapshot restored into a new instance and a run on
 * a warm session reset in place; and the reset alone against raw copies of all memory and of the pages the
 * run changed. Returns its section of bench/RESULTS.md.
 */
import type { Config } from "../src/config.ts";
import { createQuickJSEngine } from "../src/quickjs-defaults.ts";
import type { RunJob } from "../src/engine/engine.ts";
import { QuickJSInstance } from "../src/engine/quickjs/quickjs-instance.ts";
import { QuickJSRun } from "../src/engine/quickjs/quickjs-run.ts";
import { QuickJSSession } from "../src/engine/quickjs/quickjs-session.ts";
import { captureSnapshot, resetSession } from "../src/engine/quickjs/quickjs-snapshot.ts";
import { prepareSource } from "../src/engine/quickjs/prepare-source.ts";
import { resolveLimits } from "../src/limits/run-limits.ts";

/** The spike's heavy deployed script: 200k objects, a Map over them and a 20k-key table, then a cheap handler. */
export const HEAVY_INIT = `
const objects = [];
for (let i = 0; i < 200000; i++) objects.push({ id: i, name: "item" + i, tags: [i % 7, i % 11] });
const byName = new Map(objects.map((o) => [o.name, o]));
const table = {};
for (let i = 0; i < 20000; i++) table["k" + i] = i * 2;
export default (input) => ({ n: objects.length, hit: byName.get(input.name)?.id ?? null, t: table[input.key] ?? null });
`;
export const TINY_INIT = "export default (input) => input.a + 1";

const PAGE = 65_536;

function p50(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timed(n: number, fn: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return p50(samples);
}

interface CaseResult {
  name: string;
  cold: number;
  restored: number;
  warm: number;
  reset: { ms: number; pages: number; touched: number; copyAll: number; copyTouched: number };
  snapshotBytes: number;
  initFuel: number;
}

type SnapshotModule = { module: WebAssembly.Module; sha256: string };

async function measure(wasmModule: WebAssembly.Module, config: Config, options: { name: string; code: string; input: unknown; memoryMb: number; n: number; snapshotModule?: SnapshotModule }): Promise<CaseResult> {
  const job: RunJob = {
    language: "javascript",
    code: options.code,
    inputJson: JSON.stringify(options.input),
    limits: { ...resolveLimits({ memoryMb: options.memoryMb }, config), fuel: 1_000_000, timeoutMs: 60_000 },
    host: { grants: { secrets: {} }, limits: config.hostLimits },
  };
  const ok = async (p: Promise<{ ok: boolean; usage: { start?: string } }>, start: string) => {
    const out = await p;
    if (!out.ok || out.usage.start !== start) throw new Error(`${options.name}: expected an ok ${start} run, got ${JSON.stringify(out).slice(0, 300)}`);
  };
  const cold = createQuickJSEngine(wasmModule, { snapshotMinInitMs: Infinity });
  const coldMs = await timed(options.n, () => ok(cold.run(job), "fresh"));
  cold.dispose();
  const snapshotModule = options.snapshotModule;
  // The first run only notes a slow top level; the second is snapshotted.
  const prime = async (engine: ReturnType<typeof createQuickJSEngine>) => {
    for (let i = 0; i < 2; i++) await ok(engine.run(job), "fresh");
  };
  // warmInstances 0: nothing is kept, so every run restores the snapshot into a new instance.
  const restoring = createQuickJSEngine(wasmModule, { snapshotMinInitMs: 0, warmInstances: 0, snapshotModule });
  await prime(restoring);
  const restoredMs = await timed(options.n, () => ok(restoring.run(job), "restored"));
  restoring.dispose();
  const warm = createQuickJSEngine(wasmModule, { snapshotMinInitMs: 0, snapshotModule });
  await prime(warm);
  const warmMs = await timed(options.n * 4, () => ok(warm.run(job), "warm"));
  warm.dispose();

  // The reset alone, on a session of our own: run the handler, then time the reset against raw copies.
  using instance = await QuickJSInstance.create(snapshotModule?.module ?? wasmModule, { memoryMb: options.memoryMb, initialPages: 256, tracked: snapshotModule !== undefined });
  const session = QuickJSSession.open(instance, { memoryMb: options.memoryMb });
  const init = new QuickJSRun(session, job, {});
  const source = prepareSource(options.code);
  if ("error" in source || (await init.initialize(source))) throw new Error(`${options.name}: the top level failed`);
  const snapshot = captureSnapshot(session, { key: options.name, memoryMb: options.memoryMb, start: { fuel: init.fuelUsed, ...init.printed } })!;
  init.release();
  const resets: number[] = [];
  const copies: number[] = [];
  const touchedCopies: number[] = [];
  let touched = 0;
  for (let i = 0; i < 20; i++) {
    const run = new QuickJSRun(session, job, { start: snapshot.start });
    await run.invoke();
    run.release();
    // Which pages the run changed, found by comparing (outside the timed part).
    const memory = new Uint8Array(instance.memory.buffer);
    const dirty: number[] = [];
    for (let p = 0; p * PAGE < snapshot.memory.length; p++) {
      if (Buffer.compare(memory.subarray(p * PAGE, (p + 1) * PAGE), snapshot.memory.subarray(p * PAGE, (p + 1) * PAGE)) !== 0) dirty.push(p);
    }
    touched = dirty.length;
    let t = performance.now();
    resetSession(session, snapshot);
    resets.push(performance.now() - t);
    const fresh = new Uint8Array(snapshot.memory.length);
    t = performance.now();
    fresh.set(snapshot.memory);
    copies.push(performance.now() - t);
    t = performance.now();
    for (const p of dirty) memory.set(snapshot.memory.subarray(p * PAGE, (p + 1) * PAGE), p * PAGE);
    touchedCopies.push(performance.now() - t);
  }
  return {
    name: options.name,
    cold: coldMs,
    restored: restoredMs,
    warm: warmMs,
    reset: { ms: p50(resets), pages: snapshot.memory.length / PAGE, touched, copyAll: p50(copies), copyTouched: p50(touchedCopies) },
    snapshotBytes: snapshot.memory.length,
    initFuel: snapshot.start.fuel,
  };
}

/** Measures both cases on both builds and returns the markdown section. */
export async function quickjsSnapshotSection(wasmModule: WebAssembly.Module, config: Config, options: { snapshotModule: SnapshotModule }): Promise<string> {
  const tiny = await measure(wasmModule, config, { name: "tiny", code: TINY_INIT, input: { a: 1 }, memoryMb: 64, n: 200, snapshotModule: options.snapshotModule });
  const heavy = await measure(wasmModule, config, { name: "heavy", code: HEAVY_INIT, input: { name: "item4242", key: "k42" }, memoryMb: 256, n: 8, snapshotModule: options.snapshotModule });
  const tinyPlain = await measure(wasmModule, config, { name: "tiny, plain build", code: TINY_INIT, input: { a: 1 }, memoryMb: 64, n: 200 });
  const heavyPlain = await measure(wasmModule, config, { name: "heavy, plain build", code: HEAVY_INIT, input: { name: "item4242", key: "k42" }, memoryMb: 256, n: 8 });
  const f = (x: number) => x.toFixed(2);
  const row = (c: CaseResult) =>
    `| ${c.name} | ${f(c.cold)} | ${f(c.restored)} (${(c.cold / c.restored).toFixed(1)}×) | ${f(c.warm)} (${(c.cold / c.warm).toFixed(1)}×) | ${(c.snapshotBytes / 2 ** 20).toFixed(0)} MiB, ${c.initFuel} fuel |`;
  const resetRow = (c: CaseResult) =>
    `| ${c.name} | ${f(c.reset.ms)} (${c.reset.pages} pages) | ${f(c.reset.copyAll)} | ${f(c.reset.copyTouched)} (${c.reset.touched} pages) | ${(c.reset.ms / c.reset.copyTouched).toFixed(1)}× |`;
  return `## QuickJS snapshots: a script's top level run once

Tiny: \`${TINY_INIT}\`. Heavy: the spike's deployed script (200k objects, a Map over them, a 20k-key table; memory cap 256 MiB).
Each row runs \`QuickJSEngine.run\` end to end (JSON input, handler, JSON result), p50: **cold** (snapshots off: new runtime and
context, prelude, top level, handler), **restored** (the snapshot written into a new instance: \`KILN_WARM_INSTANCES=0\`),
**warm** (a kept session reset in place to the snapshot after each run: a pool hit).

| script | cold ms | restored ms (cold ÷) | warm ms (cold ÷) | snapshot |
|---|---|---|---|---|
${row(tiny)}
${row(heavy)}
${row(tinyPlain)}
${row(heavyPlain)}

Snapshot sessions run on the instrumented build (Node; see \`instrument-quickjs.ts\`), where a reset copies only the pages
a run wrote; "plain build" rows are what Deno, Bun and workerd get (no binaryen there): snapshots with full-copy resets.
Cold runs always use the plain build.

Target: heavy-init JS at least 50× faster than cold: ${heavy.cold / heavy.warm >= 50 ? "met" : "missed"} (${(heavy.cold / heavy.warm).toFixed(0)}× warm, ${(heavy.cold / heavy.restored).toFixed(0)}× restored; plain build ${(heavyPlain.cold / heavyPlain.warm).toFixed(0)}× warm).

The reset alone (memory back from the snapshot, zeros over what grew, the JS-side state), against a raw copy of all of the
snapshot into a new buffer and a raw copy of only the 64 KiB pages the run changed, p50 of 20:

| script | reset ms | copy all ms | copy touched ms | reset ÷ touched copy |
|---|---|---|---|---|
${resetRow(tiny)}
${resetRow(heavy)}
${resetRow(tinyPlain)}
${resetRow(heavyPlain)}

Target: reset at most 1.2× the copy of the touched pages (instrumented build): tiny ${(tiny.reset.ms / tiny.reset.copyTouched).toFixed(2)}×, heavy ${(heavy.reset.ms / heavy.reset.copyTouched).toFixed(2)}×.
`;
}
