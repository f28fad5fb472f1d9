/**
 * The curated JavaScript libraries for `npm run bench`: a warm run of a script that imports lodash and
 * calls it once, against the same script without the import (the same work by hand) as the baseline in
 * the same run, interleaved; and the same pair run fresh (no snapshot), which is what the import costs
 * a script that is not snapshotted. The goal: an import adds under 0.1 ms to a warm run (the library
 * lives in the script's snapshot). Returns its section of bench/RESULTS.md.
 */
import type { Config } from "../src/config.ts";
import type { RunJob, RunOutcome } from "../src/engine/engine.ts";
import { createQuickJSEngine } from "../src/quickjs-defaults.ts";
import { resolveLimits } from "../src/limits/run-limits.ts";

export const LODASH_SCRIPT = `import _ from "lodash";\nexport default (input) => _.chunk(input, 2);`;
export const BASELINE_SCRIPT = `export default (input) => { const out = []; for (let i = 0; i < input.length; i += 2) out.push(input.slice(i, i + 2)); return out; };`;
const INPUT = [1, 2, 3, 4, 5];
const EXPECTED = JSON.stringify([[1, 2], [3, 4], [5]]);

type SnapshotModule = { module: WebAssembly.Module; sha256: string };

const quantile = (samples: readonly number[], q: number) => {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
};

/** Runs `jobs` in turn, `n` rounds, timing each; every run must succeed with the expected result and start as `start`. */
async function interleaved(run: (job: RunJob) => Promise<RunOutcome>, jobs: readonly RunJob[], n: number, start: string): Promise<number[][]> {
  const samples = jobs.map(() => [] as number[]);
  for (let i = 0; i < n; i++) {
    for (const [k, job] of jobs.entries()) {
      const t = performance.now();
      const out = await run(job);
      samples[k]!.push(performance.now() - t);
      if (!out.ok || JSON.stringify(out.result) !== EXPECTED || out.usage.start !== start) {
        throw new Error(`libraries bench: expected an ok ${start} run, got ${JSON.stringify(out).slice(0, 300)}`);
      }
    }
  }
  return samples;
}

/** Measures the pair warm (on the snapshot build, as the Node server runs) and fresh, and returns the markdown section. */
export async function javascriptLibrariesSection(wasmModule: WebAssembly.Module, config: Config, options: { snapshotModule: SnapshotModule; n?: number }): Promise<string> {
  const n = options.n ?? Number(process.env.BENCH_N ?? 2000);
  const job = (code: string): RunJob => ({
    language: "javascript",
    code,
    inputJson: JSON.stringify(INPUT),
    limits: resolveLimits({}, config),
    host: { grants: { secrets: {} }, limits: config.hostLimits },
  });
  const jobs = [job(LODASH_SCRIPT), job(BASELINE_SCRIPT)];

  // Threshold 0, so that the baseline's tiny top level is snapshotted too and both runs are warm.
  const warm = createQuickJSEngine(wasmModule, { snapshotMinInitMs: 0, snapshotModule: options.snapshotModule });
  for (let i = 0; i < 3; i++) for (const j of jobs) await warm.run(j);
  const [withImport, without] = await interleaved((j) => warm.run(j), jobs, n, "warm");
  warm.dispose();

  const cold = createQuickJSEngine(wasmModule, { snapshotMinInitMs: Infinity });
  for (const j of jobs) await cold.run(j);
  const [freshImport, freshWithout] = await interleaved((j) => cold.run(j), jobs, Math.max(20, Math.floor(n / 20)), "fresh");
  cold.dispose();

  const f = (x: number) => x.toFixed(3);
  const row = (name: string, a: number[], b: number[]) =>
    `| ${name} | ${f(quantile(a, 0.5))} | ${f(quantile(a, 0.99))} | ${f(quantile(b, 0.5))} | ${f(quantile(b, 0.99))} | ${f(quantile(a, 0.5) - quantile(b, 0.5))} |`;
  const added = quantile(withImport!, 0.5) - quantile(without!, 0.5);
  return `## JavaScript libraries

\`import _ from "lodash"\` and one \`_.chunk\` call, against the same script without the import (the same
chunking by hand), run in turn in the same process (${n} warm rounds; ${Math.max(20, Math.floor(n / 20))} fresh). Warm: the
script's snapshot holds the imported library (instrumented build, as the Node server runs); fresh: snapshots
off, so every run parses and evaluates lodash's bundle. Milliseconds per run, engine.run() in process.

| start | with import p50 | p99 | without p50 | p99 | added by the import (p50) |
|---|---|---|---|---|---|
${row("warm", withImport!, without!)}
${row("fresh", freshImport!, freshWithout!)}

Goal: an import adds under 0.1 ms to a warm run: ${added < 0.1 ? "met" : "not met"} (${f(added)} ms).
`;
}
