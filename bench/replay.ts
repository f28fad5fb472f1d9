/**
 * What recording costs, for `npm run bench`: the kv example (a handler that reads a counter from kv,
 * adds one and writes it back) through the whole app in this process (QuickJS, kv in memory, the memory
 * platform store with run history on), unrecorded, recorded (`record: true`: the tape, and the recording
 * stored), and replayed (`POST /v1/runs/{id}/replay`: answered from the recording). The two first are
 * measured in alternation, so a drift in the machine touches both alike. The budget is 10% at p50.
 * Returns its section of bench/RESULTS.md. `BENCH_REPLAY_N` runs each (default 2000).
 */
import { MemoryKvStore } from "../src/capabilities/kv-store.ts";
import { createApp } from "../src/app.ts";
import type { Config } from "../src/config.ts";
import { createPlatform, devBootstrap } from "../src/platform/create-platform.ts";
import { MemoryPlatformStore } from "../src/platform/memory-platform-store.ts";
import { createQuickJSEngine } from "../src/quickjs-defaults.ts";

export const RECORDING_BUDGET = 0.1;

const KV_EXAMPLE = `import { kv } from "kiln";
export default async () => {
  const n = Number((await kv.get("count")) ?? 0) + 1;
  await kv.set("count", String(n));
  return n;
};`;

const p50 = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
const p99 = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))]!;

export async function replaySection(wasmModule: WebAssembly.Module, config: Config, options: { n?: number } = {}): Promise<string> {
  const n = options.n ?? Number(process.env.BENCH_REPLAY_N ?? 2000);
  // Each replay is a run too: the history keeps every run of the section, so the replayed one stays in it.
  config = { ...config, runHistory: { ...config.runHistory, maxRuns: 5 * n + 1000 } };
  using engine = createQuickJSEngine(wasmModule, { services: { kv: new MemoryKvStore() } });
  const platform = await createPlatform({ config, store: new MemoryPlatformStore() });
  const tokens = await devBootstrap(platform, config);
  if (!tokens) throw new Error("bench/replay: needs a dev-mode config (a dev tenant)");
  const app = createApp({ config, engines: [engine], platform });
  const post = async (path: string, body: unknown) => {
    const res = await app.request(path, { method: "POST", headers: { authorization: `Bearer ${tokens.tenantToken}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    const json = (await res.json()) as { ok?: boolean; runId?: string; replay?: { identical: boolean } };
    if (res.status !== 200 || !json.ok) throw new Error(`bench/replay: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const run = { language: "javascript", code: KV_EXAMPLE, grants: { kv: { namespace: "bench" } } };
  const timed = async (fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  for (let i = 0; i < Math.min(200, n); i++) {
    await post("/v1/run", run);
    await post("/v1/run", { ...run, record: true });
  }
  const plain: number[] = [];
  const recorded: number[] = [];
  for (let i = 0; i < n; i++) {
    plain.push(await timed(() => post("/v1/run", run)));
    recorded.push(await timed(() => post("/v1/run", { ...run, record: true })));
  }
  const { runId } = await post("/v1/run", { ...run, record: true });
  const replayed: number[] = [];
  for (let i = 0; i < n; i++) {
    replayed.push(
      await timed(async () => {
        const r = await post(`/v1/runs/${runId}/replay`, {});
        if (!r.replay?.identical) throw new Error(`bench/replay: a replay differs: ${JSON.stringify(r)}`);
      }),
    );
  }
  const base = p50(plain);
  const cost = p50(recorded) / base - 1;
  const ms = (x: number) => x.toFixed(3);
  const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
  return `## Recording and replay

The kv example (read a counter from kv, add one, write it back) through the app in process: QuickJS,
kv in memory, run history on. A recorded run keeps its seed, clock readings and host answers and
stores them; a replay answers every host call from the recording. ${n} runs each; plain and recorded
alternate. Budget for recording: ${pct(RECORDING_BUDGET)} at p50.

| run | p50 ms | p99 ms | p50 against unrecorded |
|---|---|---|---|
| unrecorded | ${ms(base)} | ${ms(p99(plain))} | |
| recorded (\`record: true\`) | ${ms(p50(recorded))} | ${ms(p99(recorded))} | ${pct(cost)} (${cost <= RECORDING_BUDGET ? "within" : "OVER"} budget) |
| replay (\`POST /v1/runs/{id}/replay\`) | ${ms(p50(replayed))} | ${ms(p99(replayed))} | ${pct(p50(replayed) / base - 1)} |

`;
}
