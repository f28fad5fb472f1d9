/**
 * Idle memory per warm tiny-script JavaScript instance, measured in a process of its own (what other
 * benchmarks allocated and freed would otherwise move its RSS either way): `node --expose-gc --import tsx
 * bench/peers/warm-memory.ts [K]`. K distinct tiny scripts, each run 3 times on one engine with a
 * snapshot threshold of 0, so each leaves a snapshot and a warm instance. Prints one JSON line.
 */
import { createQuickJSEngine } from "../../src/quickjs-defaults.ts";
import { job, quickjsSnapshotModule, quickjsWasm } from "./kiln-in-process.ts";

const K = Number(process.argv[2] ?? 50);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");
const TINY = "export default (i) => i.a + 1";
const engine = createQuickJSEngine(await quickjsWasm(), { snapshotModule: await quickjsSnapshotModule(), snapshotMinInitMs: 0, snapshotCacheBytes: 1 << 30 });
// One script first, so what every engine loads once (the builds, the prelude's compiled code) is in the baseline.
for (let r = 0; r < 3; r++) await engine.run(job("javascript", `${TINY} + -1`, { input: { a: 1 } }));
const settle = () => {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage();
};
const before = settle();
const starts = new Set<string>();
for (let k = 0; k < K; k++) for (let r = 0; r < 3; r++) starts.add((await engine.run(job("javascript", `${TINY} + ${k}`, { input: { a: 1 } }))).usage.start ?? "none");
const after = settle();
const stats = engine.poolStats;
console.log(JSON.stringify({ K, starts: [...starts], snapshots: stats.snapshots - 1, instances: stats.instances - 1, poolBytes: stats.bytes, rssPerScript: (after.rss - before.rss) / K, poolBytesPerScript: stats.bytes / stats.snapshots }));
engine.dispose();
