/**
 * `npm run bench:peers [-- --quick]`: Kiln beside the sandboxes a user would pick instead, in one run.
 * The peers are installed into `.cache/peers` (peer-modules.ts), never into Kiln's dependencies. Rows:
 * per-run latency in process (a fresh run, a warm run of a repeated tiny script), Python startup and a
 * warm run (Pyodide against Kiln's Python), idle memory per warm script, then each server over HTTP
 * (peer-server.ts; Kiln as `npm start` runs it) under autocannon in its own process (cannon.ts), with
 * the CPU other processes took during the row (cpu-load.ts). Writes its own section of bench/RESULTS.md,
 * replaced on each run. BENCH_SECONDS, BENCH_CONNECTIONS and BENCH_N override the durations and sizes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import vm from "node:vm";
import { createQuickJSEngine } from "../../src/quickjs-defaults.ts";
import { job, quickjsSnapshotModule, quickjsWasm } from "./kiln-in-process.ts";
import { startKiln } from "../../test/helpers/kiln-process.ts";
import { machineBusySeconds, othersShare, processSeconds } from "./cpu-load.ts";
import { ISOLATED_VM, PEER_PACKAGES, ROOT, installPeers, peer, peerLoads } from "./peer-modules.ts";
import { asScript } from "./peer-script.ts";

const QUICK = process.argv.includes("--quick");
const DURATION = Number(process.env.BENCH_SECONDS ?? (QUICK ? 1 : 10));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const N = Number(process.env.BENCH_N ?? (QUICK ? 50 : 2000));
/** A row where other processes took more than this share of the machine is flagged as not comparable. */
const OTHERS_LIMIT = 0.05;

const TINY = "export default (i) => i.a + 1";
const HEAVY = "const m = new Map();\nfor (let k = 0; k < 50000; k++) m.set('k' + k, k);\nexport default (i) => i.a + m.size";
const INPUT = { a: 1 };


function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { p50: q(0.5), p99: q(0.99) };
}

async function time(n: number, fn: (i: number) => unknown): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < Math.min(100, n / 5); i++) await fn(-1 - i);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    samples.push(performance.now() - t);
  }
  return stats(samples);
}

installPeers();

// ---- In process ----
type Row = { what: string; fresh?: { p50: number; p99: number }; warm?: { p50: number; p99: number }; note?: string };
const rows: Row[] = [];
const wasm = await quickjsWasm();
const snapshotModule = await quickjsSnapshotModule();

{
  const engine = createQuickJSEngine(wasm, { snapshotModule });
  let starts = new Set<string>();
  const fresh = await time(N, async (i) => {
    // Unique code every run: never warm.
    const out = await engine.run(job("javascript", `${TINY}\n// ${i}`, { input: INPUT }));
    if (!out.ok) throw new Error(JSON.stringify(out.error));
    if (i >= 0) starts.add(out.usage.start ?? "none");
  });
  const freshStarts = [...starts].join(", ");
  starts = new Set();
  const warm = await time(N, async (i) => {
    const out = await engine.run(job("javascript", TINY, { input: INPUT }));
    if (i >= 0) starts.add(out.usage.start ?? "none");
  });
  rows.push({ what: "Kiln `QuickJSEngine.run` (fuel, memory cap, prelude, JSON in and out)", fresh, warm, note: `starts: fresh rows ${freshStarts}; repeated rows ${[...starts].join(", ")}` });
  engine.dispose();
}
{
  const { getQuickJS } = await peer("quickjs-emscripten");
  const QuickJS = await getQuickJS();
  const fresh = await time(N, () => {
    const rt = QuickJS.newRuntime();
    const ctx = rt.newContext();
    const r = ctx.unwrapResult(ctx.evalCode(asScript(TINY, INPUT)));
    JSON.parse(ctx.getString(r));
    r.dispose();
    ctx.dispose();
    rt.dispose();
  });
  const rt = QuickJS.newRuntime();
  const ctx = rt.newContext();
  ctx.unwrapResult(ctx.evalCode(TINY.replace("export default", "globalThis.main ="))).dispose();
  const main = ctx.getProp(ctx.global, "main");
  const warm = await time(N, () => {
    const arg = ctx.unwrapResult(ctx.evalCode(`(${JSON.stringify(INPUT)})`));
    const r = ctx.unwrapResult(ctx.callFunction(main, ctx.undefined, arg));
    ctx.dump(r);
    r.dispose();
    arg.dispose();
  });
  main.dispose();
  ctx.dispose();
  rt.dispose();
  rows.push({ what: "raw quickjs-emscripten: new runtime + context, eval, dispose (no limits)", fresh, warm, note: "warm: one context kept, the function called again" });
}
{
  const fresh = await time(N, () => JSON.parse(vm.runInNewContext(asScript(TINY, INPUT)) as string));
  const ctx = vm.createContext({});
  const main = vm.runInContext(`(${TINY.replace("export default", "")})`, ctx) as (i: unknown) => number;
  const warm = await time(N, () => main(JSON.parse(JSON.stringify(INPUT))));
  rows.push({ what: "node:vm (not a security boundary)", fresh, warm, note: "warm: one context kept" });
}
const ivmReason = await peerLoads("isolated-vm");
if (ivmReason === undefined) {
  const ivm = (await peer("isolated-vm")).default;
  const fresh = await time(N, async () => {
    const isolate = new ivm.Isolate({ memoryLimit: 128 });
    const context = await isolate.createContext();
    JSON.parse(await (await isolate.compileScript(asScript(TINY, INPUT))).run(context));
    isolate.dispose();
  });
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const context = await isolate.createContext();
  await context.eval(TINY.replace("export default", "globalThis.main ="));
  const main = await context.global.get("main", { reference: true });
  const warm = await time(N, () => main.apply(undefined, [new ivm.ExternalCopy(INPUT).copyInto()], { result: { copy: true } }));
  isolate.dispose();
  rows.push({ what: `isolated-vm ${ISOLATED_VM}: new isolate (128 MiB cap) + context, compile, run, dispose`, fresh, warm, note: "warm: one isolate kept, the function called again" });
} else rows.push({ what: `isolated-vm ${ISOLATED_VM}`, note: `skipped: ${ivmReason}` });
{
  const { loadQuickJs } = await peer("@sebastianwessel/quickjs");
  const { runSandboxed } = await loadQuickJs((await peer("@jitl/quickjs-wasmfile-release-sync")).default);
  const fresh = await time(Math.min(N, 300), () => runSandboxed(async ({ evalCode }: { evalCode: (c: string) => Promise<unknown> }) => evalCode(`${TINY.replace("export default", "const main =")}\nexport default main(${JSON.stringify(INPUT)})`)));
  rows.push({ what: "@sebastianwessel/quickjs `runSandboxed`", fresh, note: "no warm mode: every call makes its own runtime" });
}

// ---- Python startup: Pyodide beside Kiln's Python ----
let python = "";
{
  const reason = await peerLoads("pyodide");
  if (reason !== undefined) python = `Pyodide skipped: ${reason}\n`;
  else {
    try {
      const { loadPyodide } = await peer("pyodide");
      const starts: number[] = [];
      let py: any;
      for (let i = 0; i < (QUICK ? 1 : 3); i++) {
        const t = performance.now();
        py = await loadPyodide();
        starts.push(performance.now() - t);
      }
      const warm = await time(Math.min(N, 500), () => py.runPython("1+1"));
      python = `| Pyodide ${PEER_PACKAGES.pyodide} \`loadPyodide()\` (offline: the package ships its wasm and stdlib) | ${stats(starts).p50.toFixed(1)} | ${warm.p50.toFixed(3)} | ${warm.p99.toFixed(3)} |\n`;
    } catch (e) {
      python = `| Pyodide ${PEER_PACKAGES.pyodide}: skipped, it failed here: ${String(e).split("\n")[0]} | – | – | – |\n`;
    }
  }
}

// ---- Idle memory per warm tiny-script instance (in a process of its own) ----
let memory = "";
{
  const K = QUICK ? 10 : 50;
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "bench/peers/warm-memory.ts", String(K)], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  await new Promise((resolve) => child.once("exit", resolve));
  const m = JSON.parse(out.trim().split("\n").at(-1)!) as { K: number; starts: string[]; snapshots: number; instances: number; poolBytesPerScript: number; rssPerScript: number };
  const mib = (b: number) => (b / 2 ** 20).toFixed(2);
  memory = `${m.K} distinct tiny scripts, each run 3 times on one engine in a process of its own (\`bench/peers/warm-memory.ts\`; snapshot threshold 0, starts seen: ${m.starts.join(", ")}): ${m.snapshots} snapshots and ${m.instances} warm instances more. The process grew by **${mib(m.rssPerScript)} MiB RSS per warm script**, its snapshot and its kept instance included; the pool counts ${mib(m.poolBytesPerScript)} MiB for each (its snapshot's held pages, its instance's touched pages and about 1 MiB for its JS side). A snapshot's copy and an instance's memory are each as long as the instance's 16 MiB; only their pages holding something are backed.`;
}

// ---- Over HTTP ----
type Server = { name: string; kind: string };
const servers: Server[] = [
  { name: "bare Hono on @hono/node-server (the ceiling)", kind: "bare" },
  { name: "naive: fresh quickjs-emscripten runtime + context per request, one thread", kind: "naive" },
  ...(ivmReason === undefined
    ? [
        { name: "isolated-vm, fresh isolate per request, 2 worker threads", kind: "ivm-workers" },
        { name: "isolated-vm, fresh isolate per request, one process", kind: "ivm-one" },
      ]
    : []),
  { name: "@sebastianwessel/quickjs `runSandboxed` per request", kind: "sebastian" },
  { name: "**Kiln**, `npm start` defaults, 2 workers", kind: "kiln" },
];
const scripts = [
  { name: "the tiny script repeated", code: TINY, unique: false },
  { name: "unique code per request", code: TINY, unique: true },
  { name: "heavy top level (a 50k-entry Map) repeated", code: HEAVY, unique: false },
];

async function startServer(kind: string): Promise<{ url: string; token?: string; child: ChildProcess; cleanup: () => void }> {
  if (kind === "kiln") {
    const dir = mkdtempSync(join(tmpdir(), "kiln-bench-peers-"));
    const k = await startKiln({ KILN_DB_PATH: join(dir, "kiln.sqlite"), KILN_WORKERS: "2", KILN_RATE_TENANT_PER_MINUTE: String(1e9) });
    return { url: `${k.base}/v1/run`, token: k.token, child: k.child, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }
  const child = spawn(process.execPath, ["--import", "tsx", "bench/peers/peer-server.ts", kind], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /"port":(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`${kind} exited (${code}): ${out}`)));
  });
  return { url: `http://127.0.0.1:${port}/v1/run`, child, cleanup: () => {} };
}

type Measured = { rps: number; p50: number; p99: number; total: number; non2xx: number; errors: number; others: number };
function cannon(options: object): Promise<{ rps: number; p50: number; p99: number; total: number; non2xx: number; errors: number; cpuSeconds: number; pid: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/peers/cannon.ts", JSON.stringify(options)], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  return new Promise((resolve, reject) => child.once("exit", (code) => (code === 0 ? resolve({ ...JSON.parse(out.trim().split("\n").at(-1)!), pid: child.pid! }) : reject(new Error(`autocannon exited ${code}: ${out}`)))));
}

/**
 * Waits until a server just started has settled: its process (all its threads) used under 5% of a
 * core over half a second, or 60 s passed. Kiln's workers prepare the component languages' instances
 * at start; a row measured during that measures the start, not the serving.
 */
async function settled(pid: number): Promise<void> {
  const until = performance.now() + 60_000;
  while (performance.now() < until) {
    const before = processSeconds(pid);
    await new Promise((r) => setTimeout(r, 500));
    if (processSeconds(pid) - before < 0.025) return;
  }
}

const WARMUP_SECONDS = 3;
const http = new Map<string, Map<string, Measured>>();
for (const server of servers) {
  const s = await startServer(server.kind);
  await settled(s.child.pid!);
  const results = new Map<string, Measured>();
  try {
    for (const script of scripts) {
      const options = { url: s.url, token: s.token, code: script.code, input: INPUT, unique: script.unique, connections: CONNECTIONS };
      // A warm-up: V8 compiling, pools filling, a repeated script's snapshot taken.
      await cannon({ ...options, duration: WARMUP_SECONDS });
      const serverBefore = processSeconds(s.child.pid!);
      const selfBefore = process.cpuUsage();
      const busyBefore = machineBusySeconds();
      const wallStarted = performance.now();
      const r = await cannon({ ...options, duration: DURATION });
      const wallSeconds = (performance.now() - wallStarted) / 1000;
      const busyAfter = machineBusySeconds();
      const self = process.cpuUsage(selfBefore);
      const ownSeconds = processSeconds(s.child.pid!) - serverBefore + r.cpuSeconds + (self.user + self.system) / 1e6;
      results.set(script.name, { ...r, others: othersShare({ busyBefore, busyAfter, ownSeconds, wallSeconds }) });
    }
  } finally {
    s.child.kill("SIGTERM");
    await new Promise((r) => (s.child.exitCode === null ? s.child.once("exit", r) : r(undefined)));
    s.cleanup();
  }
  http.set(server.kind, results);
}

// ---- The section ----
const ms = (x: number | undefined) => (x === undefined ? "–" : x.toFixed(3));
const kilnIn = rows[0]!;
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}×` : "–");
const lines: string[] = [];
lines.push(`<!-- peers -->`, `## Peers: Kiln beside the sandboxes a user would pick instead (\`npm run bench:peers\`${QUICK ? " --quick: a smoke run, not a measurement" : ""})`, "");
lines.push(
  `Written on ${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}. Peers from \`.cache/peers\`: ${Object.entries(PEER_PACKAGES)
    .map(([n, v]) => `${n} ${v}`)
    .join(", ")}.`,
  "",
);
lines.push(`### In process: \`${TINY}\` with \`{"a":1}\` (n = ${N})`, "", "| what | fresh p50 ms | fresh p99 ms | warm p50 ms | warm p99 ms | Kiln fresh p50 ÷ this | notes |", "|---|--:|--:|--:|--:|--:|---|");
for (const r of rows) lines.push(`| ${r.what} | ${ms(r.fresh?.p50)} | ${ms(r.fresh?.p99)} | ${ms(r.warm?.p50)} | ${ms(r.warm?.p99)} | ${ratio(kilnIn.fresh?.p50, r.fresh?.p50)} | ${r.note ?? ""} |`);
lines.push("", "Fresh: a new sandbox per run, code unique to it. Warm: the same script again (Kiln decides by itself whether it is warm; the starts it reported are in the notes).", "");
lines.push("### Python: startup and a warm `1+1`", "", "| what | startup ms | warm p50 ms | warm p99 ms |", "|---|--:|--:|--:|", python.trimEnd() || "| – | – | – | – |", "");
lines.push("### Idle memory per warm tiny-script JavaScript instance", "", memory, "");
lines.push(`### Over HTTP: autocannon in its own process, ${CONNECTIONS} connections, ${DURATION} s per row (each server first left to settle after its start, then a ${WARMUP_SECONDS} s warm-up per row)`, "");
for (const script of scripts) {
  const kiln = http.get("kiln")?.get(script.name);
  lines.push(`#### ${script.name}`, "", "| server | req/s | p50 ms | p99 ms | p99 ÷ p50 | Kiln ÷ this (req/s) | failed | others' CPU |", "|---|--:|--:|--:|--:|--:|--:|---|");
  for (const server of servers) {
    const m = http.get(server.kind)?.get(script.name);
    if (!m) continue;
    const flag = m.others > OTHERS_LIMIT ? ` ⚠ not comparable` : "";
    lines.push(`| ${server.name} | ${Math.round(m.rps)} | ${m.p50} | ${m.p99} | ${m.p50 ? (m.p99 / m.p50).toFixed(1) : "–"} | ${ratio(kiln?.rps, m.rps)} | ${m.non2xx + m.errors} | ${(m.others * 100).toFixed(0)}%${flag} |`);
  }
  lines.push("");
}
lines.push(`Others' CPU: the machine's busy time during the row minus the server's, autocannon's and this process's, as a share of all ${os.cpus().length} cores; over ${OTHERS_LIMIT * 100}% the row is flagged.`, `<!-- /peers -->`, "");
const section = lines.join("\n");
const file = new URL("../RESULTS.md", import.meta.url);
const current = readFileSync(file, "utf8");
const existing = /<!-- peers -->[\s\S]*?<!-- \/peers -->\n?/;
writeFileSync(file, existing.test(current) ? current.replace(existing, section) : `${current.trimEnd()}\n\n${section}`);
console.log(section);
