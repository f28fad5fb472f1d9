/**
 * CEL for `npm run bench`: a typical claim rule, `user.age >= 18 && user.country in ['DE','FR']`, run
 * warm through Kiln's `cel` language (QuickJSEngine.run end to end: JSON input, the rule evaluated by
 * @marcbachmann/cel-js inside QuickJS from the snapshot of its top level, JSON result), against the
 * same library evaluating the same parsed rule on the host in the same process. Returns its section
 * of bench/RESULTS.md.
 */
import { Environment } from "@marcbachmann/cel-js";
import type { Config } from "../src/config.ts";
import type { RunJob } from "../src/engine/engine.ts";
import { resolveLimits } from "../src/limits/run-limits.ts";
import { createQuickJSEngine } from "../src/quickjs-defaults.ts";

export const CEL_RULE = "user.age >= 18 && user.country in ['DE','FR']";

type SnapshotModule = { module: WebAssembly.Module; sha256: string };

interface Timing {
  p50: number;
  p99: number;
}

function percentiles(samples: number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length / 2)]!, p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]! };
}

/** `n` warm runs through the engine (after two that take and keep the top level's snapshot), and `n` host evaluations, each timed alone. */
export async function measureCel(wasmModule: WebAssembly.Module, config: Config, options: { snapshotModule: SnapshotModule; n: number }): Promise<{ kiln: Timing; host: Timing; start: string }> {
  const users = [
    { age: 30, country: "DE" },
    { age: 16, country: "FR" },
    { age: 44, country: "US" },
  ];
  const job = (i: number): RunJob => ({
    language: "cel",
    code: CEL_RULE,
    inputJson: JSON.stringify({ user: users[i % users.length] }),
    limits: resolveLimits({}, config),
    host: { grants: { secrets: {} }, limits: config.hostLimits },
  });
  const engine = createQuickJSEngine(wasmModule, { snapshotModule: options.snapshotModule });
  let start = "";
  try {
    for (let i = 0; i < 3; i++) {
      const out = await engine.run(job(i));
      if (!out.ok || out.result !== (i % 3 === 0)) throw new Error(`cel bench: unexpected outcome ${JSON.stringify(out).slice(0, 300)}`);
    }
    const kiln: number[] = [];
    for (let i = 0; i < options.n; i++) {
      const j = job(i);
      const t = performance.now();
      const out = await engine.run(j);
      kiln.push(performance.now() - t);
      if (!out.ok || out.result !== (i % 3 === 0)) throw new Error(`cel bench: unexpected outcome ${JSON.stringify(out).slice(0, 300)}`);
      start = out.usage.start ?? "";
    }
    // The host: the same library, its rule parsed and checked once, evaluated on each parsed input.
    const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false, enableOptionalTypes: true });
    const rule = env.parse(CEL_RULE);
    const host: number[] = [];
    for (let i = 0; i < options.n; i++) {
      const text = job(i).inputJson;
      const t = performance.now();
      const input = JSON.parse(text) as { user: { age: number; country: string } };
      const result = rule({ user: { age: BigInt(input.user.age), country: input.user.country } });
      const json = JSON.stringify(result);
      host.push(performance.now() - t);
      if (json !== String(i % 3 === 0)) throw new Error(`cel bench: the host answered ${json}`);
    }
    return { kiln: percentiles(kiln), host: percentiles(host), start };
  } finally {
    engine.dispose();
  }
}

export async function celSection(wasmModule: WebAssembly.Module, config: Config, options: { snapshotModule: SnapshotModule; n?: number }): Promise<string> {
  const n = options.n ?? 2000;
  const { kiln, host, start } = await measureCel(wasmModule, config, { snapshotModule: options.snapshotModule, n });
  const f = (x: number) => x.toFixed(3);
  return `## CEL: a claim rule, warm

\`${CEL_RULE}\` with \`{"user": {...}}\`, ${n} runs each, one at a time. **Kiln**: \`QuickJSEngine.run\` end to end for
\`language: "cel"\` (JSON input, the rule evaluated by @marcbachmann/cel-js inside QuickJS, JSON result), on a ${start} session:
the library bundle and the parsed rule are the snapshotted top level. **Host**: the same library in this Node process, the rule
parsed once, each run parsing the JSON input and stringifying the result.

| where | p50 ms | p99 ms |
|---|---|---|
| Kiln \`cel\`, warm | ${f(kiln.p50)} | ${f(kiln.p99)} |
| cel-js on the host | ${f(host.p50)} | ${f(host.p99)} |
| Kiln ÷ host | ${(kiln.p50 / host.p50).toFixed(0)}× | ${(kiln.p99 / host.p99).toFixed(0)}× |

Target: a warm CEL rule under 0.3 ms p50: ${kiln.p50 < 0.3 ? "met" : "missed"} (${f(kiln.p50)} ms).
`;
}
