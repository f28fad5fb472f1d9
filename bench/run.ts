/**
 * `npm run bench`: Kiln's benchmarks, each reported as ratios against baselines measured in the same run.
 * Results go to bench/RESULTS.md.
 */
import autocannon from "autocannon";
import { serve } from "@hono/node-server";
import { writeFileSync } from "node:fs";
import os from "node:os";
import vm from "node:vm";
import type { AddressInfo } from "node:net";
import { newQuickJSWASMModuleFromVariant, newVariant } from "quickjs-emscripten-core";
import variant from "@jitl/quickjs-wasmfile-release-sync";
import { loadArtifact } from "../src/adapters/node/load-artifact.ts";
import { WorkerPoolEngine } from "../src/adapters/node/worker-pool.ts";
import { createApp } from "../src/app.ts";
import { createPlatform, devBootstrap } from "../src/platform/create-platform.ts";
import { MemoryPlatformStore } from "../src/platform/memory-platform-store.ts";
import { loadConfig } from "../src/config.ts";
import { createQuickJSEngine, defaultRuntimes } from "../src/default-engines.ts";
import { QuickJSEngine } from "../src/engine/quickjs/quickjs-engine.ts";
import { resolveLimits } from "../src/limits/run-limits.ts";

const N = Number(process.env.BENCH_N ?? 2000);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CODE = "export default () => 1+1";
// The rate limiter still counts every request; its ceiling is lifted so it does not cut the measurement short.
const config = loadConfig({ KILN_RATE_TENANT_PER_MINUTE: String(1e9), ...process.env });

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { n: s.length, p50: q(0.5), p99: q(0.99) };
}

async function time(n: number, fn: () => unknown | Promise<unknown>) {
  for (let i = 0; i < Math.min(100, n / 10); i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return stats(samples);
}

const wasmModule = await loadArtifact(defaultRuntimes.quickjs.artifact);

// 1. In process: one fresh, isolated run, against the raw library floor and node:vm (not a sandbox).
const engine = createQuickJSEngine(wasmModule);
const job = {
  language: "javascript",
  code: CODE,
  inputJson: "null",
  limits: resolveLimits(undefined, config),
  host: { grants: { secrets: {} }, limits: config.hostLimits },
};
const kiln = await time(N, async () => {
  const out = await engine.run(job);
  if (!out.ok) throw new Error(JSON.stringify(out));
});
const raw = await newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmModule }));
const floor = await time(N, () => {
  const rt = raw.newRuntime();
  const ctx = rt.newContext();
  ctx.unwrapResult(ctx.evalCode("1+1")).dispose();
  ctx.dispose();
  rt.dispose();
});
const nodeVm = await time(N, () => vm.runInNewContext("1+1"));
engine.dispose();

// 2. Over HTTP: POST /v1/run through the worker pool, against GET /healthz on the same server.
const pool = new WorkerPoolEngine({
  size: config.workers,
  maxQueue: config.maxQueue,
  wasmModule,
  languages: QuickJSEngine.languagesOf(defaultRuntimes.quickjs),
  kvPath: ":memory:",
  cacheDir: config.cacheDir,
});
await pool.ready();
const platform = await createPlatform({ config, store: new MemoryPlatformStore() });
const boot = (await devBootstrap(platform, config))!;
const app = createApp({ config, engines: [pool], platform });
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
await new Promise((r) => server.once("listening", r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const cannon = (opts: autocannon.Options) => autocannon({ connections: 10, duration: DURATION, ...opts });
const body = JSON.stringify({ language: "javascript", code: CODE });
const headers = { "content-type": "application/json", authorization: `Bearer ${boot.tenantToken}` };
const run = await cannon({ url: `${url}/v1/run`, method: "POST", headers, body });
const health = await cannon({ url: `${url}/healthz` });
server.close();
await pool.close();
if (run.non2xx || run.errors) throw new Error(`HTTP run had ${run.non2xx} non-2xx and ${run.errors} errors`);

const ms = (x: number) => x.toFixed(3);
const cpu = os.cpus()[0]?.model ?? "unknown";
const md = `# Benchmark results

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Machine: ${os.cpus().length} × ${cpu},
${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}. The machine is shared and
noisy: compare the ratios within one run, not absolute numbers across runs.

## A fresh isolated run in process: \`${CODE}\` (n = ${N})

| what | p50 ms | p99 ms | p50 vs Kiln |
|---|---|---|---|
| Kiln \`QuickJSEngine.run\`: new runtime + context, prelude, entry call, JSON result, dispose | ${ms(kiln.p50)} | ${ms(kiln.p99)} | 1.00× |
| baseline: raw quickjs-emscripten newRuntime + newContext + evalCode('1+1') + dispose | ${ms(floor.p50)} | ${ms(floor.p99)} | ${(floor.p50 / kiln.p50).toFixed(2)}× |
| peer: node:vm runInNewContext('1+1') (not a security boundary) | ${ms(nodeVm.p50)} | ${ms(nodeVm.p99)} | ${(nodeVm.p50 / kiln.p50).toFixed(2)}× |

Kiln's overhead over the raw library floor: ${(kiln.p50 / floor.p50).toFixed(2)}×.

## HTTP: \`POST /v1/run\` with that script (autocannon, 10 connections, ${DURATION} s, ${config.workers} worker threads)

autocannon runs in the same process as the server, so it, the main thread and the workers share the same cores. Each
run request carries a tenant JWT (verified with jose) and passes the rate limiter, as in production.

| what | requests/s | p50 ms | p99 ms |
|---|---|---|---|
| \`POST /v1/run\` | ${Math.round(run.requests.average)} | ${run.latency.p50} | ${run.latency.p99} |
| baseline: \`GET /healthz\` on the same server | ${Math.round(health.requests.average)} | ${health.latency.p50} | ${health.latency.p99} |

A run over HTTP reaches ${((run.requests.average / health.requests.average) * 100).toFixed(1)}% of the bare server's request rate.
`;
writeFileSync(new URL("./RESULTS.md", import.meta.url), md);
console.log(md);
