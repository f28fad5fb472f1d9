/**
 * Python's Debian packages for `npm run bench`: a warm run that imports PyYAML (from python311.zip, not
 * the Wizer snapshot) and loads a small document, against the same run without the import, in the same
 * process; plus a new instance of the snapshot per run (`print(1+1)`), the start that a bigger zip could
 * slow down. Returns its section of bench/RESULTS.md.
 */
import { prepareComponentRuntime } from "../src/adapters/node/prepare-component-runtime.ts";
import type { Config } from "../src/config.ts";
import { ComponentEngine } from "../src/engine/component/component-engine.ts";
import type { ComponentRuntimeDescriptor } from "../src/engine/component/runtime-descriptor.ts";
import type { RunJob } from "../src/engine/engine.ts";
import { resolveLimits } from "../src/limits/run-limits.ts";
import { python } from "../languages/python/language.ts";

const DOCUMENT = "name: kiln\\nreplicas: 3\\nports: [80, 443]\\nlabels: {tier: web, env: prod}\\n";
/** The measured script: the import is in the run, since no run before it left yaml behind (each run starts from the snapshot). */
export const YAML_RUN = `import yaml\ndef main(input):\n    doc = yaml.safe_load("${DOCUMENT}")\n    return doc["replicas"] + len(doc["ports"])`;
/** The baseline: the same shape of run, without the import. */
export const BASELINE_RUN = `def main(input):\n    doc = {"replicas": 3, "ports": [80, 443], "text": "${DOCUMENT}"}\n    return doc["replicas"] + len(doc["ports"])`;

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { n: s.length, p50: q(0.5), p99: q(0.99) };
}

/** p50/p99 of `n` runs of each of `fns`, after `warmup` unmeasured rounds, the runs interleaved (a, b, a, b, …) so that load and V8's tier-up fall on each alike. */
async function interleaved(n: number, warmup: number, fns: readonly (() => Promise<void>)[]) {
  const samples = fns.map(() => [] as number[]);
  for (let i = 0; i < warmup + n; i++) {
    for (const [k, fn] of fns.entries()) {
      const t = performance.now();
      await fn();
      if (i >= warmup) samples[k]!.push(performance.now() - t);
    }
  }
  return samples.map(stats);
}

/**
 * Measures and returns the markdown section. `n` runs per row after as many unmeasured ones (V8 tiers
 * Python's module up during its first few hundred runs), at least 50;
 * `runtime` is the Python descriptor to measure (the served one by default; another build to compare).
 */
export async function pythonLibrariesSection(config: Config, options: { n?: number; runtime?: ComponentRuntimeDescriptor } = {}): Promise<string> {
  const n = options.n ?? 500;
  const warmup = Math.max(50, n);
  const runtime = await prepareComponentRuntime(options.runtime ?? python, { cacheDir: config.cacheDir });
  const job = (code: string): RunJob => ({
    language: "python",
    code,
    inputJson: "null",
    limits: resolveLimits(undefined, config),
    host: { grants: { secrets: {} }, limits: config.hostLimits },
  });
  const runOn = (engine: ComponentEngine, code: string, expected: number) => async () => {
    const out = await engine.run(job(code));
    if (!out.ok || out.result !== expected) throw new Error(`python-libraries: expected ${expected}, got ${JSON.stringify(out).slice(0, 300)}`);
  };
  const warm = new ComponentEngine([runtime]);
  const [baseline, yaml] = await interleaved(n, warmup, [runOn(warm, BASELINE_RUN, 5), runOn(warm, YAML_RUN, 5)]);
  const fuel = await warm.run(job(YAML_RUN));
  const baseFuel = await warm.run(job(BASELINE_RUN));
  warm.dispose();
  const fresh = new ComponentEngine([runtime], { warmInstances: 0 });
  const [newInstance] = await interleaved(Math.max(10, Math.floor(n / 5)), 5, [
    async () => {
      const out = await fresh.run(job("print(1+1)"));
      if (!out.ok) throw new Error(JSON.stringify(out));
    },
  ]);
  fresh.dispose();
  const ms = (x: number) => x.toFixed(3);
  const fuelOf = (out: Awaited<ReturnType<ComponentEngine["run"]>>) => ("usage" in out ? out.usage.fuel : "n/a");
  return `## Python: a Debian package on first import

Through \`ComponentEngine.run\` on a warm pool (each run restores the Wizer snapshot, which does not hold the packages:
\`import yaml\` reads PyYAML's \`.pyc\` files from \`python311.zip\` in every run that uses it). n = ${n} per row.

| run | p50 ms | p99 ms | fuel |
|---|---|---|---|
| \`import yaml; yaml.safe_load(…)\` (4-line document), warm | ${ms(yaml!.p50)} | ${ms(yaml!.p99)} | ${fuelOf(fuel)} |
| the same run without the import (baseline; the two interleaved) | ${ms(baseline!.p50)} | ${ms(baseline!.p99)} | ${fuelOf(baseFuel)} |
| \`print(1+1)\`, a new instance of the snapshot per run (n = ${newInstance!.n}) | ${ms(newInstance!.p50)} | ${ms(newInstance!.p99)} | |

The import adds ${ms(yaml!.p50 - baseline!.p50)} ms at p50 (${(yaml!.p50 / baseline!.p50).toFixed(1)}× the baseline).
`;
}
