/**
 * `npm run bench`: Kiln's benchmarks, each reported as ratios against baselines measured in the same run.
 * Results go to bench/RESULTS.md.
 */
import v8 from "node:v8";
import { wrapLua } from "../languages/lua/binding.ts";
import autocannon from "autocannon";
import { serve } from "@hono/node-server";
import { writeFileSync } from "node:fs";
import os from "node:os";
import vm from "node:vm";
import type { AddressInfo } from "node:net";
import { newQuickJSWASMModuleFromVariant, newVariant } from "quickjs-emscripten-core";
import variant from "@jitl/quickjs-wasmfile-release-sync";
import { loadArtifact } from "../src/adapters/node/load-artifact.ts";
import { prepareQuickJSSnapshotModule } from "../src/adapters/node/prepare-quickjs.ts";
import { quickjsSnapshotSection } from "./quickjs-snapshots.ts";
import { celSection } from "./cel.ts";
import { javascriptLibrariesSection } from "./libraries.ts";
import { pistonSection } from "./piston.ts";
import { pythonLibrariesSection } from "./python-libraries.ts";
import { workerBundleSection } from "./worker-bundle.ts";
import { playgroundSection } from "./playground.ts";
import { replaySection } from "./replay.ts";
import { streamingSection } from "./streaming.ts";
import { startKiln } from "../test/helpers/kiln-process.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { WorkerPoolEngine } from "../src/adapters/node/worker-pool.ts";
import { createApp } from "../src/app.ts";
import { createPlatform, devBootstrap } from "../src/platform/create-platform.ts";
import { MemoryPlatformStore } from "../src/platform/memory-platform-store.ts";
import { loadConfig } from "../src/config.ts";
import { createQuickJSEngine, defaultRuntimes } from "../src/quickjs-defaults.ts";
import { callerComponents, quickjsLanguages } from "../languages/index.ts";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { lua as luaRuntime } from "../languages/lua/language.ts";
import { ruby as rubyRuntime } from "../languages/ruby/language.ts";
import { python as pythonRuntime } from "../languages/python/language.ts";
import type { ComponentRuntimeDescriptor } from "../src/engine/component/runtime-descriptor.ts";
import binaryen from "binaryen";
import { prepareCallerComponent } from "../src/adapters/node/prepare-caller-component.ts";
import { componentId } from "../src/engine/component/component-id.ts";
import { kilnImports } from "../src/engine/component/kiln-imports.ts";
import { GLUE_NAME, preparedFolderName } from "../src/engine/component/prepared-runtime.ts";
import { RUBY_INIT_ARGS } from "../languages/ruby/driver.ts";
import { ComponentHost } from "../src/engine/component/component-host.ts";
import { ComponentInstance } from "../src/engine/component/component-instance.ts";
import { prepareComponentRuntime } from "../src/adapters/node/prepare-component-runtime.ts";
import { ComponentEngine } from "../src/engine/component/component-engine.ts";
import { patchMemoryMax } from "../src/engine/wasm/patch-memory-max.ts";
import { createWasiHost } from "../src/engine/component/wasi/wasi-host.ts";
import { QuickJSEngine } from "../src/engine/quickjs/quickjs-engine.ts";
import { resolveLimits } from "../src/limits/run-limits.ts";

const N = Number(process.env.BENCH_N ?? 2000);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
/** Runs behind every p50 / p99 row of the component tables: a p99 needs a few hundred samples to mean anything. */
const TAIL_N = Number(process.env.BENCH_TAIL_N ?? 500);
/**
 * Runs before a tail row's samples. A module V8 has just compiled runs its first ~250 runs while V8
 * recompiles the hot functions with TurboFan on background threads (measured below as "the first runs
 * after compiling"); the tail rows measure the steady state after it.
 */
const TAIL_WARMUP = Number(process.env.BENCH_TAIL_WARMUP ?? 400);
const CODE = "export default () => 1+1";
// The rate limiter still counts every request; its ceiling is lifted so it does not cut the measurement short.
const config = loadConfig({ KILN_RATE_TENANT_PER_MINUTE: String(1e9), ...process.env });

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { n: s.length, p50: q(0.5), p99: q(0.99) };
}

/**
 * p50 and p99 of `n` runs after `warmup` runs, and the runs over 5× the median: how many, and how many
 * of them had a garbage collection inside (V8's GCProfiler around each run, which sees the collections
 * V8 runs on the thread, whatever started them).
 */
async function time(n: number, fn: () => unknown | Promise<unknown>, warmup = Math.min(100, n / 10)) {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: { ms: number; gcs: number }[] = [];
  for (let i = 0; i < n; i++) {
    const profiler = new v8.GCProfiler();
    profiler.start();
    const t = performance.now();
    await fn();
    const ms = performance.now() - t;
    samples.push({ ms, gcs: profiler.stop()?.statistics.length ?? 0 });
  }
  const result = stats(samples.map((s) => s.ms));
  const slow = samples.filter((s) => s.ms > 5 * result.p50);
  return { ...result, slow: slow.length, slowWithGc: slow.filter((s) => s.gcs > 0).length, withGc: samples.filter((s) => s.gcs > 0).length };
}
/** A tail row: TAIL_N runs after TAIL_WARMUP. */
const tail = (fn: () => unknown | Promise<unknown>, n = TAIL_N) => time(n, fn, TAIL_WARMUP);

const wasmModule = await loadArtifact(defaultRuntimes.quickjs.artifact);
const snapshotModule = await prepareQuickJSSnapshotModule(defaultRuntimes.quickjs.artifact, { cacheDir: config.cacheDir });

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
// What a budget means in time: an endless simple loop with 10,000 fuel units (the default).
const SPIN_FUEL = 10_000;
const spinLimits = { ...job.limits, fuel: SPIN_FUEL, timeoutMs: 60_000 };
const spin = async (run: () => Promise<{ ok: boolean; error?: { code: string } }>) => {
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const out = (await run()) as { ok: boolean; error?: { code: string } };
    if (out.ok || out.error?.code !== "fuel_exhausted") throw new Error(`spin did not exhaust fuel: ${JSON.stringify(out)}`);
    samples.push(performance.now() - t);
  }
  return stats(samples).p50;
};
const quickjsSpinMs = await spin(() => engine.run({ ...job, code: "while (true) {}", limits: spinLimits }));
engine.dispose();

// 1b. QuickJS snapshots: tiny and heavy top levels, cold vs restored vs warm, and the reset alone.
const snapshotSection = await quickjsSnapshotSection(wasmModule, config, { snapshotModule });
// What guests can use (issue 16): a library import in a warm JavaScript run, a warm CEL rule against the library on the host.
const librariesSection = await javascriptLibrariesSection(wasmModule, config, { snapshotModule });
const celRuleSection = await celSection(wasmModule, config, { snapshotModule });
// The playground's bundle against its 500 KB gzipped budget (a size, not a timing).
const playgroundSizeSection = await playgroundSection();
// What recording a run costs, and a replay (issue 20), on the kv example.
const replayResults = await replaySection(wasmModule, config);
// What streaming output costs over HTTP (issue 18): a run unstreamed vs with Accept: text/event-stream.
const streamingResults = await streamingSection();

// 2. Lua as a component: a fresh instance per run, and the cost of fuel metering.
const preparedStart = performance.now();
const lua = await prepareComponentRuntime(luaRuntime, { cacheDir: config.cacheDir });
const prepareMs = performance.now() - preparedStart;
const components = new ComponentEngine([lua]);
const luaJob = { ...job, language: "lua", code: "function main() return 1 + 1 end" };
// The warm pool (Lua's default): an initialised instance restored after each run.
const luaWarm = await tail(async () => {
  const out = await components.run(luaJob);
  if (!out.ok) throw new Error(JSON.stringify(out));
});
const luaPoolStats = components.poolStats;
// warmInstances 0: a new instance, and so a new wasm memory, every run.
const luaNoPool = new ComponentEngine([lua], { warmInstances: 0 });
const luaFresh = await tail(async () => {
  const out = await luaNoPool.run(luaJob);
  if (!out.ok) throw new Error(JSON.stringify(out));
});
luaNoPool.dispose();
// Cold: every core module compiled from bytes again (from the disk cache), then one run.
const luaCold = await time(20, async () => {
  const again = new ComponentEngine([await prepareComponentRuntime(luaRuntime, { cacheDir: config.cacheDir })]);
  const out = await again.run(luaJob);
  if (!out.ok) throw new Error(JSON.stringify(out));
});
const plainLua = new WebAssembly.Module(patchMemoryMax(readFileSync(luaRuntime.artifact), 1024));
/** The Kiln host for direct instantiations here: the benchmark scripts make no host calls. */
const noKilnHost = () =>
  kilnImports(
    () => {
      throw new Error("no host calls in the benchmark");
    },
    { redact: (t) => t, answer: JSON.stringify },
  );
/** Runs CPU-bound Lua through the component with a given main module (metered or plain), timing only the call. */
const cpuLua = async (main: WebAssembly.Module) => {
  const host = createWasiHost({ maxOutputBytes: 1 << 20 });
  const instance = await lua.instantiate((name) => (name === lua.mainModuleName ? main : lua.modules.get(name)!), { ...host.imports, ...noKilnHost() }, async (m, imports) => {
    const inst = await WebAssembly.instantiate(m, imports);
    const fuel = inst.exports.__kiln_fuel as WebAssembly.Global | undefined;
    if (fuel) fuel.value = 1n << 60n;
    return inst;
  });
  const source = wrapLua("local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end function main() local s = 0 for i = 1, 300000 do s = s + (i % 7) end return fib(22) + s end", "null");
  const t = performance.now();
  instance.run(source);
  return performance.now() - t;
};
const median = async (fn: () => Promise<number>, n: number) => {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(await fn());
  return stats(samples).p50;
};
await median(() => cpuLua(plainLua), 3);
await median(() => cpuLua(lua.mainModule(64)), 3);
const plainMs = await median(() => cpuLua(plainLua), 9);
const meteredMs = await median(() => cpuLua(lua.mainModule(64)), 9);
const luaSpinMs = await spin(() => components.run({ ...luaJob, code: "while true do end", limits: spinLimits }));
components.dispose();

// 3. Ruby as a component: cold (modules compiled again, V8 compiling lazily on the first instance) vs reused modules.
const rubyArtifact = new Uint8Array(readFileSync(rubyRuntime.artifact));
const rubyPrepareStart = performance.now();
const ruby = await prepareComponentRuntime(rubyRuntime, { cacheDir: config.cacheDir });
const rubyPrepareMs = performance.now() - rubyPrepareStart;
const rubyJob = { ...job, language: "ruby", code: "def main = 1 + 1" };
const rubyCold = await time(3, async () => {
  const again = new ComponentEngine([await prepareComponentRuntime(rubyRuntime, { cacheDir: config.cacheDir })]);
  const out = await again.run(rubyJob);
  if (!out.ok) throw new Error(JSON.stringify(out));
});
// warmInstances 0: every run starts a new instance (instantiate, ruby-init, prelude).
const rubyEngine = new ComponentEngine([ruby], { warmInstances: 0 });
const rubyFresh = await tail(async () => {
  const out = await rubyEngine.run(rubyJob);
  if (!out.ok) throw new Error(JSON.stringify(out));
});
rubyEngine.dispose();
// The warm pool: an initialised instance restored from its snapshot after each run.
const rubyPooled = new ComponentEngine([ruby]);
const rubyWarm = await tail(async () => {
  const out = await rubyPooled.run(rubyJob);
  if (!out.ok) throw new Error(JSON.stringify(out));
});
const rubyPoolStats = rubyPooled.poolStats;
rubyPooled.dispose();
/** The in-place reset on its own: restore a snapshot after one run, against a raw copy of all of memory and of the pages the run changed. */
const resetCost = async (runtime: typeof ruby, code: string, memoryMb: number) => {
  const instance = await ComponentInstance.start(runtime, { memoryMb, maxOutputBytes: 1 << 20, fuel: 1n << 40n });
  const snapshot = instance.snapshot();
  instance.kiln.current = new ComponentHost({ ...job, language: runtime.language.name }, { services: {}, deadline: Date.now() + 60_000 });
  const reset: number[] = [];
  const copy: number[] = [];
  const touchedCopy: number[] = [];
  let touched = 0;
  for (let i = 0; i < 20; i++) {
    instance.fuel.value = 1n << 40n;
    runtime.driver.run(instance.instance, { code, inputJson: "null" }, { seed: i, reseed: () => instance.host.reseed(BigInt(i + 1)) });
    const now = new Uint8Array(instance.memory.buffer);
    const pages: number[] = [];
    for (let p = 0; p * 65536 < snapshot.memory.length; p++) {
      const a = now.subarray(p * 65536, (p + 1) * 65536);
      const b = snapshot.memory.subarray(p * 65536, (p + 1) * 65536);
      if (a.some((x, j) => x !== b[j])) pages.push(p);
    }
    touched = pages.length;
    let t = performance.now();
    const scratch = new Uint8Array(snapshot.memory.length);
    for (const p of pages) scratch.set(snapshot.memory.subarray(p * 65536, (p + 1) * 65536), p * 65536);
    touchedCopy.push(performance.now() - t);
    t = performance.now();
    scratch.set(snapshot.memory);
    copy.push(performance.now() - t);
    t = performance.now();
    instance.restore(snapshot);
    reset.push(performance.now() - t);
  }
  return { reset: stats(reset).p50, copy: stats(copy).p50, touchedCopy: stats(touchedCopy).p50, touched, pages: snapshot.memory.length / 65536 };
};
const rubyReset = await resetCost(ruby, "def main = 1 + 1", 128);
const plainRuby = new WebAssembly.Module(
  patchMemoryMax(readFileSync(join(config.cacheDir, await preparedFolderName(rubyRuntime, rubyArtifact), `${GLUE_NAME}.core.wasm`)), 4096),
);
/** Runs CPU-bound Ruby with a given main module (metered or plain), timing only the eval after init. */
const cpuRuby = async (main: WebAssembly.Module) => {
  const host = createWasiHost({ maxOutputBytes: 1 << 20 });
  const imports = { ...host.imports, ...noKilnHost() };
  const instance = await ruby.instantiate((name) => (name === ruby.mainModuleName ? main : ruby.modules.get(name)!), imports, async (m, coreImports) => {
    const inst = await WebAssembly.instantiate(m, coreImports);
    const fuel = inst.exports.__kiln_fuel as WebAssembly.Global | undefined;
    if (fuel) fuel.value = 1n << 60n;
    return inst;
  }) as any;
  instance.rubyInit(RUBY_INIT_ARGS);
  const t = performance.now();
  const [, state] = instance.evaluate("def fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2)\ns = 0\n300_000.times { |i| s += i % 7 }\nfib(22) + s");
  if (state !== 0) throw new Error(`ruby state ${state}`);
  return performance.now() - t;
};
const rubyPlainMs = await median(() => cpuRuby(plainRuby), 5);
const rubyMeteredMs = await median(() => cpuRuby(ruby.mainModule(256)), 5);

// A first start in a new process, three times each (median).
const coldStart = (language: string) => {
  const samples = [0, 1, 2].map(() => JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "bench/cold-start.ts", language], { encoding: "utf8" })) as { loadMs: number; runMs: number });
  return { loadMs: stats(samples.map((s) => s.loadMs)).p50, runMs: stats(samples.map((s) => s.runMs)).p50 };
};
const luaProcess = coldStart("lua");
const rubyProcess = coldStart("ruby");

// 4. Python: a fresh interpreter from the Wizer snapshot vs a cold start (the module before Wizer, which
// initialises on its first run), imports from the snapshot, and CPU against native python3.11.
const python = await prepareComponentRuntime(pythonRuntime, { cacheDir: config.cacheDir });
const pythonEngine = new ComponentEngine([python]);
const pyRun = async (code: string, fuel = 10_000) => {
  const out = await pythonEngine.run({ ...job, language: "python", code, limits: { ...job.limits, fuel } });
  if (!out.ok) throw new Error(JSON.stringify(out));
  return out;
};
// The first runs after V8 compiled the module (a runtime loaded anew): V8 tiers the hot functions up meanwhile.
const pythonNew = new ComponentEngine([await prepareComponentRuntime(pythonRuntime, { cacheDir: config.cacheDir })]);
const pyTierUp = await time(
  250,
  async () => {
    const out = await pythonNew.run({ ...job, language: "python", code: "print(1+1)" });
    if (!out.ok) throw new Error(JSON.stringify(out));
  },
  1,
);
pythonNew.dispose();
const pyPrint = await tail(() => pyRun("print(1+1)"));
const pythonFresh = new ComponentEngine([python], { warmInstances: 0 });
const pyFreshPrint = await tail(async () => {
  const out = await pythonFresh.run({ ...job, language: "python", code: "print(1+1)" });
  if (!out.ok) throw new Error(JSON.stringify(out));
});
pythonFresh.dispose();
const pyReset = await resetCost(python, "print(1+1)", 64);
const pyImports = await tail(() => pyRun("import json, re, datetime\nprint(json.dumps(re.findall('[0-9]+', str(datetime.date(2024, 1, 2)))))"));
const pyEmpty = await tail(() => pyRun("pass"));
const FIB = "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n";
const pyFib = await time(5, () => pyRun(`${FIB}fib(25)`, 200_000));
let nativeFibMs: number | undefined;
try {
  const script = `import time\n${FIB}t = time.perf_counter()\nfib(25)\nprint((time.perf_counter() - t) * 1000)`;
  nativeFibMs = stats([0, 1, 2, 3, 4].map(() => Number(execFileSync("python3.11", ["-c", script], { encoding: "utf8" })))).p50;
} catch {
  nativeFibMs = undefined; // no python3.11 on this machine
}
pythonEngine.dispose();
// A warm `import yaml` against a warm run without it (issue 16).
const pythonLibrariesResults = await pythonLibrariesSection(config);
const coldPython: ComponentRuntimeDescriptor = {
  ...pythonRuntime,
  artifact: new URL("../languages/python/python-cold.wasm.gz", import.meta.url),
  // The world exports only run; the module's own kiln_init export is dropped (run initialises on first use).
  prepareCore: (bytes) => {
    const mod = binaryen.readBinary(bytes);
    try {
      mod.removeExport("kiln_init");
      return mod.emitBinary();
    } finally {
      mod.dispose();
    }
  },
};
const pythonCold = new ComponentEngine([await prepareComponentRuntime(coldPython, { cacheDir: config.cacheDir })]);
const pyCold = await tail(async () => {
  const out = await pythonCold.run({ ...job, language: "python", code: "print(1+1)", limits: { ...job.limits, fuel: 200_000 } });
  if (!out.ok) throw new Error(JSON.stringify(out));
});
pythonCold.dispose();

// 5. A caller's own component (the C echo fixture): fresh instance per run, modules reused.
const echoBytes = new Uint8Array(readFileSync(new URL("../test/fixtures/components/echo.component.wasm", import.meta.url)));
const echoId = await componentId(echoBytes);
const callerEngine = new ComponentEngine([], { callerComponents: { language: callerComponents!, load: (bytes) => prepareCallerComponent(bytes, { cacheDir: config.cacheDir }) } });
const echoJob = { ...job, language: "component", code: "", component: { id: echoId, bytes: echoBytes }, inputJson: '{"a":1}' };
const echoFresh = await tail(async () => {
  const out = await callerEngine.run(echoJob);
  if (!out.ok) throw new Error(JSON.stringify(out));
});
callerEngine.dispose();

// 6. Over HTTP: POST /v1/run through the worker pool, against GET /healthz on the same server.
const pool = new WorkerPoolEngine({
  size: config.workers,
  maxQueue: config.maxQueue,
  wasmModule,
  languages: QuickJSEngine.languagesOf(quickjsLanguages),
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

// 7. Piston's execute of a Python hello world against a live server started as `npm start` does (issue 17).
const pistonDir = mkdtempSync(join(tmpdir(), "kiln-bench-piston-"));
const kilnServer = await startKiln({ KILN_DB_PATH: join(pistonDir, "kiln.sqlite"), KILN_CACHE_DIR: config.cacheDir, KILN_WARM_UP: "python", KILN_RATE_TENANT_PER_MINUTE: String(1e9) });
const pistonResults = await pistonSection(kilnServer.base, kilnServer.token);
kilnServer.child.kill("SIGTERM");
await new Promise((r) => kilnServer.child.once("exit", r));
rmSync(pistonDir, { recursive: true, force: true });

const ms = (x: number) => x.toFixed(3);
const tails: [string, { n: number; p50: number; p99: number; slow: number; slowWithGc: number; withGc: number }][] = [
  ["Lua, warm pool", luaWarm],
  ["Lua, a new instance per run (warm pool off)", luaFresh],
  ["Ruby, fresh instance", rubyFresh],
  ["Ruby, warm pool", rubyWarm],
  ["Python `print(1+1)`, warm pool", pyPrint],
  ["Python, cold start", pyCold],
  ["Python, new instance of the snapshot", pyFreshPrint],
  ["Python, imports", pyImports],
  ["Python, `pass`", pyEmpty],
  ["a caller's C component, fresh instance", echoFresh],
];
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

## What a fuel budget means in time

An endless simple loop with ${SPIN_FUEL} fuel units (the default budget) until \`fuel_exhausted\`, p50 of 3:
JavaScript (\`while (true) {}\`) ${quickjsSpinMs.toFixed(0)} ms, Lua (\`while true do end\`) ${luaSpinMs.toFixed(0)} ms.

${snapshotSection}
${librariesSection}
${celRuleSection}
${playgroundSizeSection}
${replayResults}
${streamingResults}
${pythonLibrariesResults}
${await workerBundleSection(config)}
## HTTP: \`POST /v1/run\` with that script (autocannon, 10 connections, ${DURATION} s, ${config.workers} worker threads)

autocannon runs in the same process as the server, so it, the main thread and the workers share the same cores. Each
run request carries a tenant JWT (verified with jose) and passes the rate limiter, as in production.

| what | requests/s | p50 ms | p99 ms |
|---|---|---|---|
| \`POST /v1/run\` | ${Math.round(run.requests.average)} | ${run.latency.p50} | ${run.latency.p99} |
| baseline: \`GET /healthz\` on the same server | ${Math.round(health.requests.average)} | ${health.latency.p50} | ${health.latency.p99} |

A run over HTTP reaches ${((run.requests.average / health.requests.average) * 100).toFixed(1)}% of the bare server's request rate.

${pistonResults}

## Lua as a WASI component

| what | value |
|---|---|
| preparing the runtime (cache hit: load jco glue, compile core modules, read the metered module) | ${prepareMs.toFixed(0)} ms |
| first start in a new process (\`bench/cold-start.ts\`): load the prepared runtime + first run, p50 of 3 | ${luaProcess.loadMs.toFixed(0)} ms + ${luaProcess.runMs.toFixed(0)} ms |
| cold in this process: compile the core modules from bytes again, instantiate, run \`function main() return 1 + 1 end\`, p50 (n = ${luaCold.n}) | ${ms(luaCold.p50)} ms |
| reused compiled modules, fresh instance, same script, p50 / p99 (n = ${luaFresh.n}) | ${ms(luaFresh.p50)} / ${ms(luaFresh.p99)} ms (cold is ${(luaCold.p50 / luaFresh.p50).toFixed(1)}×) |
| **warm pool** (the default): an initialised instance, restored after each run, p50 / p99 (n = ${luaWarm.n}; ${luaPoolStats.hits} hits, ${luaPoolStats.misses} misses) | ${ms(luaWarm.p50)} / ${ms(luaWarm.p99)} ms (fresh instance is ${(luaFresh.p50 / luaWarm.p50).toFixed(1)}×) |
| the same vs a fresh QuickJS run above | ${(luaFresh.p50 / kiln.p50).toFixed(2)}× |
| CPU-bound Lua (fib(22) + a 300k loop), plain module, p50 of 9 | ${plainMs.toFixed(1)} ms |
| the same, metered by the fuel pass | ${meteredMs.toFixed(1)} ms (${(meteredMs / plainMs).toFixed(2)}×) |

## Ruby as a WASI component

Without the warm pool each run starts a fresh Ruby: instantiate, \`ruby-init\`, Kiln's prelude, then the script. The warm
pool keeps an initialised instance and restores its snapshot (a full copy of memory and globals) after each run.

| what | value |
|---|---|
| preparing the runtime (cache hit: load jco glue, compile core modules, read the metered module) | ${rubyPrepareMs.toFixed(0)} ms |
| first start in a new process (\`bench/cold-start.ts\`): load the prepared runtime + first run, p50 of 3 | ${rubyProcess.loadMs.toFixed(0)} ms + ${rubyProcess.runMs.toFixed(0)} ms |
| cold in this process: compile the core modules from bytes again (V8 reuses code it compiled for the same bytes), instantiate, init, run \`def main = 1 + 1\`, p50 (n = ${rubyCold.n}) | ${ms(rubyCold.p50)} ms |
| reused compiled modules, fresh instance, same script, p50 / p99 (n = ${rubyFresh.n}) | ${ms(rubyFresh.p50)} / ${ms(rubyFresh.p99)} ms (cold is ${(rubyCold.p50 / rubyFresh.p50).toFixed(1)}×) |
| **warm pool**: an initialised instance, restored from its snapshot after each run, p50 / p99 (n = ${rubyWarm.n}; ${rubyPoolStats.hits} hits, ${rubyPoolStats.misses} misses) | ${ms(rubyWarm.p50)} / ${ms(rubyWarm.p99)} ms (fresh instance is ${(rubyFresh.p50 / rubyWarm.p50).toFixed(1)}×) |
| the reset alone (restore ${rubyReset.pages} pages and the globals) vs a raw copy of all memory vs a copy of the ${rubyReset.touched} pages the run changed, p50 of 20 | ${rubyReset.reset.toFixed(2)} / ${rubyReset.copy.toFixed(2)} / ${rubyReset.touchedCopy.toFixed(2)} ms (reset is ${(rubyReset.reset / rubyReset.touchedCopy).toFixed(1)}× the touched-page copy) |
| the same vs a fresh Lua run above | ${(rubyFresh.p50 / luaFresh.p50).toFixed(1)}× |
| CPU-bound Ruby (fib(22) + a 300k loop), plain module, eval only, p50 of 5 | ${rubyPlainMs.toFixed(1)} ms |
| the same, metered by the fuel pass | ${rubyMeteredMs.toFixed(1)} ms (${(rubyMeteredMs / rubyPlainMs).toFixed(2)}×) |

## Python as a WASI component

CPython 3.11 (\`languages/python\`), every run a fresh instance of the Wizer snapshot, through \`ComponentEngine.run\`
(instantiate, Kiln's WASI host with the stdlib zip mounted, the runner, the script).

| what | p50 ms | p99 ms | vs snapshot |
|---|---|---|---|
| \`print(1+1)\`, fresh interpreter from the snapshot (n = ${pyPrint.n}) | ${ms(pyPrint.p50)} | ${ms(pyPrint.p99)} | 1.00× |
| the same, cold start: the module before Wizer initialises CPython on its first run (n = ${pyCold.n}) | ${ms(pyCold.p50)} | ${ms(pyCold.p99)} | ${(pyCold.p50 / pyPrint.p50).toFixed(1)}× |
| the same, a new instance of the snapshot every run (warm pool off) (n = ${pyFreshPrint.n}) | ${ms(pyFreshPrint.p50)} | ${ms(pyFreshPrint.p99)} | ${(pyFreshPrint.p50 / pyPrint.p50).toFixed(2)}× |
| \`import json, re, datetime\` and use them, from the snapshot (n = ${pyImports.n}) | ${ms(pyImports.p50)} | ${ms(pyImports.p99)} | ${(pyImports.p50 / pyPrint.p50).toFixed(2)}× |
| an empty script (\`pass\`) (n = ${pyEmpty.n}) | ${ms(pyEmpty.p50)} | ${ms(pyEmpty.p99)} | ${(pyEmpty.p50 / pyPrint.p50).toFixed(2)}× |

The first row runs on the warm pool (an instance restored after each run). The reset alone: ${pyReset.reset.toFixed(2)} ms for ${pyReset.pages} pages, against ${pyReset.copy.toFixed(2)} ms for a raw copy of all memory and ${pyReset.touchedCopy.toFixed(2)} ms for the ${pyReset.touched} pages \`print(1+1)\` changed (p50 of 20).

Target: at most 10 ms p50 for a fresh interpreter: ${pyPrint.p50 <= 10 ? "met" : "missed"} (${ms(pyPrint.p50)} ms).

fib(25): wasm (metered, whole run) ${ms(pyFib.p50)} ms p50 of ${pyFib.n}; native \`python3.11\` on the same machine ${nativeFibMs === undefined ? "n/a (no python3.11 here)" : `${nativeFibMs.toFixed(1)} ms (wasm is ${(pyFib.p50 / nativeFibMs).toFixed(1)}×)`}.

## A caller's own component

The C fixture \`test/fixtures/components/echo.component.wasm\` (${echoBytes.length} bytes), modules compiled once, a fresh instance per run:
p50 ${ms(echoFresh.p50)} ms, p99 ${ms(echoFresh.p99)} ms (n = ${echoFresh.n}; ${(echoFresh.p50 / kiln.p50).toFixed(2)}× a fresh QuickJS run).

## Tails: p99 ÷ p50 of the component rows (goal: at most 5×)

Each row after ${TAIL_WARMUP} runs of the same job. A GC inside a run: V8's GCProfiler saw a collection between its start and its end.

${tails
  .map(([name, t]) => `| ${name} (n = ${t.n}) | ${ms(t.p50)} | ${ms(t.p99)} | ${(t.p99 / t.p50).toFixed(1)}× ${t.p99 / t.p50 <= 5 ? "" : "**missed**"} | ${t.slow} (${t.slowWithGc}) | ${t.withGc} |`)
  .reduce((table, row) => `${table}\n${row}`, "| row | p50 ms | p99 ms | p99 ÷ p50 | runs over 5× p50 (of them, with a GC inside) | all runs with a GC inside |\n|---|---|---|---|---|---|")}

The first ${pyTierUp.n} runs of Python's \`print(1+1)\` after its module was compiled (one run before): p50 ${ms(pyTierUp.p50)} ms, p99 ${ms(pyTierUp.p99)} ms (${(pyTierUp.p99 / pyTierUp.p50).toFixed(1)}×), ${pyTierUp.slow} runs over 5× p50, ${pyTierUp.slowWithGc} of them with a GC inside. V8 recompiles a module's hot functions with TurboFan on background threads during its first few hundred runs; on 2 cores those threads take the run's core (\`bench/tail-probe.ts\` reads the thread's scheduler counters: in the slow runs the main thread waited 8–16 ms in the run queue while V8's worker threads used 20–40 ms of CPU). The runs of a new instance per run (Lua with the pool off, a caller's component) end most of their slow runs in a full GC: each run leaves a wasm memory behind, and V8 collects them every ~30 runs.
`;
// The soak (bench/soak.ts, minutes long) keeps its own section; a benchmark run carries it over.
const soak = readFileSync(new URL("./RESULTS.md", import.meta.url), "utf8").match(/<!-- (?:soak [a-z-]+|peers) -->[\s\S]*?<!-- \/(?:soak [a-z-]+|peers) -->\n/g)?.join("\n");
writeFileSync(new URL("./RESULTS.md", import.meta.url), soak ? `${md.trimEnd()}\n\n${soak}` : md);
console.log(md);
