/**
 * Where the slow runs of a component tail row spend their time (Linux): per run, the main thread's
 * on-CPU time and run-queue wait (/proc/thread-self/schedstat, ns; the running thread's own figure lags
 * by up to a scheduler tick), its minor page faults and context switches, and the CPU each other thread
 * of the process used meanwhile (the busiest one is named by its tid offset from the main thread).
 *
 *   node --import tsx bench/tail-probe.ts [lua,echo,python,imports]
 *   WARM=400 (runs before sampling), PREWARM=300 (empty Python deploy checks first), MARK=1 with
 *   node --trace-gc (prints S<i>/E<i> around each run, to place V8's GC lines)
 */
import { readdirSync, readFileSync } from "node:fs";
import { loadConfig } from "../src/config.ts";
import { prepareComponentRuntime } from "../src/adapters/node/prepare-component-runtime.ts";
import { prepareCallerComponent } from "../src/adapters/node/prepare-caller-component.ts";
import { componentId } from "../src/engine/component/component-id.ts";
import { ComponentEngine } from "../src/engine/component/component-engine.ts";
import { lua as luaRuntime } from "../languages/lua/language.ts";
import { python as pythonRuntime } from "../languages/python/language.ts";
import { callerComponents } from "../languages/index.ts";
import { resolveLimits } from "../src/limits/run-limits.ts";

const config = loadConfig({ ...process.env });
const N = Number(process.env.BENCH_TAIL_N ?? 500);

function sched(): { cpu: number; wait: number } {
  const [cpu, wait] = readFileSync("/proc/thread-self/schedstat", "utf8").split(" ").map(Number);
  return { cpu: cpu!, wait: wait! };
}
function statFields(path: string): string[] {
  const text = readFileSync(path, "utf8");
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}
const main = String(process.pid);
/** Minor faults and context switches of this thread; on-CPU ns of every other thread, by name. */
function counters() {
  const t = statFields("/proc/thread-self/stat");
  const status = readFileSync("/proc/thread-self/status", "utf8");
  const others = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    if (tid === main) continue;
    try {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim();
      const cpu = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      others.set(`${name}+${Number(tid) - Number(main)}#${tid}`, cpu);
    } catch {
      // the thread ended
    }
  }
  return {
    faults: Number(t[7]),
    voluntary: Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)![1]),
    involuntary: Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)![1]),
    others,
  };
}

async function probe(name: string, fn: () => Promise<unknown>) {
  for (let i = 0; i < Number(process.env.WARM ?? 100); i++) await fn();
  const rows: { ms: number; cpuMs: number; waitMs: number; faults: number; othersMs: number; vol: number; invol: number; top: string }[] = [];
  for (let i = 0; i < N; i++) {
    if (process.env.MARK) process.stdout.write(`S${i}\n`);
    const s0 = sched();
    const c0 = counters();
    const t = performance.now();
    await fn();
    const ms = performance.now() - t;
    if (process.env.MARK) process.stdout.write(`E${i} ${ms.toFixed(2)}\n`);
    const s1 = sched();
    const c1 = counters();
    const cpuMs = (s1.cpu - s0.cpu) / 1e6;
    let othersMs = 0;
    let top = "";
    let topMs = 0;
    for (const [k, v] of c1.others) {
      const d = (v - (c0.others.get(k) ?? 0)) / 1e6;
      othersMs += d;
      if (d > topMs) (topMs = d), (top = `${k.split("#")[0]} ${d.toFixed(1)}`);
    }
    rows.push({ ms, cpuMs, waitMs: (s1.wait - s0.wait) / 1e6, faults: c1.faults - c0.faults, othersMs, vol: c1.voluntary - c0.voluntary, invol: c1.involuntary - c0.involuntary, top });
  }
  const sorted = [...rows].sort((a, b) => a.ms - b.ms);
  const p50 = sorted[Math.floor(N / 2)]!.ms;
  const p99 = sorted[Math.floor(N * 0.99)]!.ms;
  const slow = rows.filter((r) => r.ms > 5 * p50);
  const fast = rows.filter((r) => r.ms <= 5 * p50);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const sum = (rs: typeof rows) => ({
    n: rs.length,
    ms: mean(rs.map((r) => r.ms)).toFixed(2),
    cpuMs: mean(rs.map((r) => r.cpuMs)).toFixed(2),
    waitMs: mean(rs.map((r) => r.waitMs)).toFixed(2),
    faults: mean(rs.map((r) => r.faults)).toFixed(0),
    othersMs: mean(rs.map((r) => r.othersMs)).toFixed(1),
    vol: mean(rs.map((r) => r.vol)).toFixed(2),
    invol: mean(rs.map((r) => r.invol)).toFixed(2),
  });
  console.log(name, { p50: p50.toFixed(3), p99: p99.toFixed(3), ratio: (p99 / p50).toFixed(1) }, "\n  fast", sum(fast), "\n  slow", sum(slow));
  console.log("  slowest", sorted.slice(-6).map((r) => `${r.ms.toFixed(1)}ms cpu ${r.cpuMs.toFixed(1)} wait ${r.waitMs.toFixed(1)} faults ${r.faults} vol ${r.vol} invol ${r.invol} others ${r.othersMs.toFixed(1)} (${r.top})`).join("\n    "));
}

const job = { language: "lua", code: "function main() return 1 + 1 end", inputJson: "null", limits: resolveLimits(undefined, config), host: { grants: { secrets: {} }, limits: config.hostLimits } };
const which = (process.argv[2] ?? "lua,echo,python,imports").split(",");
if (which.includes("lua")) {
  const lua = new ComponentEngine([await prepareComponentRuntime(luaRuntime, { cacheDir: config.cacheDir })]);
  await probe("lua fresh", () => lua.run(job));
}
if (which.includes("echo")) {
  const bytes = new Uint8Array(readFileSync(new URL("../test/fixtures/components/echo.component.wasm", import.meta.url)));
  const engine = new ComponentEngine([], { callerComponents: { language: callerComponents!, load: (b) => prepareCallerComponent(b, { cacheDir: config.cacheDir }) } });
  const echo = { ...job, language: "component", code: "", component: { id: await componentId(bytes), bytes }, inputJson: '{"a":1}' };
  await probe("echo fresh", () => engine.run(echo));
}
if (which.includes("python") || which.includes("imports")) {
  const python = new ComponentEngine([await prepareComponentRuntime(pythonRuntime, { cacheDir: config.cacheDir })]);
  if (process.env.PREWARM) for (let i = 0; i < Number(process.env.PREWARM); i++) await python.run({ ...job, language: "python", code: "", evaluateOnly: true });
  if (which.includes("python")) await probe("python print warm", () => python.run({ ...job, language: "python", code: "print(1+1)" }));
  if (which.includes("imports")) await probe("python imports warm", () => python.run({ ...job, language: "python", code: "import json, re, datetime\nprint(json.dumps(re.findall('[0-9]+', str(datetime.date(2024, 1, 2)))))" }));
}
