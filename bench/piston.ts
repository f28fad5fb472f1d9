/**
 * Piston v2 compatibility for `npm run bench`: `POST /piston/<token>/api/v2/execute` of a Python hello
 * world over HTTP against a live server, as piston-client sends it (JSON as text/plain, the token in
 * the path): latency one request at a time (p50, p99), then requests per second with a few
 * connections (autocannon). Real Piston's figure, a sandboxed process spawned per run, is quoted
 * beside it from its sources. Returns its section of bench/RESULTS.md.
 */
import { loadavg } from "node:os";
import autocannon from "autocannon";

/** The body piston-client posts for `execute("python", code)`, with its defaults. */
export function helloWorldBody(runTimeout = 3_000): string {
  return JSON.stringify({
    language: "python",
    version: "3.x",
    files: [{ content: 'print("Hello, World!")' }],
    stdin: "",
    args: [],
    compile_timeout: 10_000,
    run_timeout: runTimeout,
    compile_memory_limit: -1,
    run_memory_limit: -1,
  });
}

interface Timing {
  p50: number;
  p99: number;
}

function percentiles(samples: number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length / 2)]!, p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]! };
}

/** One execute, checked: whether it answered `Hello, World!` with code 0 (a wrong answer would measure the wrong thing). */
async function executeOnce(url: string, body: string): Promise<{ ok: boolean; answer: string }> {
  const res = await fetch(url, { method: "POST", body, headers: { "content-type": "text/plain;charset=UTF-8" } });
  const text = await res.text();
  const answer = JSON.parse(text) as { run?: { stdout?: string; code?: number } };
  return { ok: res.status === 200 && answer.run?.stdout === "Hello, World!\n" && answer.run.code === 0, answer: `${res.status} ${text}` };
}

export interface PistonMeasurement {
  sequential: Timing;
  n: number;
  /** Sequential executes that did not answer Hello, World! (a loaded machine's timeouts): left out of the percentiles. */
  sequentialFailures: number;
  requestsPerSecond: number;
  connections: number;
  durationSeconds: number;
  /** Responses autocannon counted that were not 2xx, or errors: anything but 0 spoils the rate. */
  failures: number;
  /** The machine's 1-minute load average when the measurement started: on a shared machine, what the figures were taken under. */
  loadAverage: number;
}

/** `n` executes one at a time (after `warmup` with a long deadline), then autocannon with `connections` for `durationSeconds`. */
export async function measurePiston(base: string, token: string, options: { n?: number; warmup?: number; connections?: number; durationSeconds?: number } = {}): Promise<PistonMeasurement> {
  const { n = 200, warmup = 10, connections = 4, durationSeconds = 10 } = options;
  const url = `${base}/piston/${token}/api/v2/execute`;
  const body = helloWorldBody();
  const loadAverage = loadavg()[0]!;
  // The warm-up gives a worker that has to start Python (a fresh one, on a loaded machine) time to, rather than a watchdog kill.
  for (let i = 0; i < warmup; i++) await executeOnce(url, helloWorldBody(30_000));
  const samples: number[] = [];
  let sequentialFailures = 0;
  let lastFailure = "";
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const { ok, answer } = await executeOnce(url, body);
    if (ok) samples.push(performance.now() - t);
    else (sequentialFailures++, (lastFailure = answer));
  }
  if (samples.length === 0) throw new Error(`piston bench: no execute answered Hello, World! (last: ${lastFailure})`);
  const result = await autocannon({ url, method: "POST", body, headers: { "content-type": "text/plain;charset=UTF-8" }, connections, duration: durationSeconds });
  return {
    sequential: percentiles(samples),
    n,
    sequentialFailures,
    requestsPerSecond: result.requests.average,
    connections,
    durationSeconds,
    failures: result.non2xx + result.errors + result.timeouts,
    loadAverage,
  };
}

/** The section of bench/RESULTS.md, from a live server at `base` with a tenant `token` holding the `run` scope. */
export async function pistonSection(base: string, token: string, options: Parameters<typeof measurePiston>[2] = {}): Promise<string> {
  const m = await measurePiston(base, token, options);
  const ms = (v: number) => v.toFixed(2);
  return [
    "## Piston v2 compatible API",
    "",
    `\`POST /piston/<token>/api/v2/execute\` of \`print("Hello, World!")\` in Python over HTTP, the body piston-client sends (text/plain), against a live server: each answer checked (stdout \`Hello, World!\\n\`, code 0). Load average at the start: ${m.loadAverage.toFixed(1)}.`,
    "",
    "| measure | Kiln |",
    "|---|---|",
    `| one request at a time (n=${m.n}${m.sequentialFailures ? `, ${m.sequentialFailures} not Hello, World!, left out` : ""}), p50 | ${ms(m.sequential.p50)} ms |`,
    `| one request at a time, p99 | ${ms(m.sequential.p99)} ms |`,
    `| ${m.connections} connections for ${m.durationSeconds} s | ${m.requestsPerSecond.toFixed(0)} req/s (${m.failures} non-2xx or errors) |`,
    "",
    "Real Piston, for reference (not measured here): every run is a new process in an isolate sandbox (cgroups, namespaces, a box set up and cleaned up per run).",
    '- A Python hello world answered with `"elapsed_time":"0.20s"` and `"exec_time":221` (ms) in the example response of engineer-man/piston PR #645 (https://github.com/engineer-man/piston/pull/645), from before Piston moved to isolate.',
    "- isolate, which runs each of Piston's jobs today, took 0.05 to 0.06 s for `isolate --run -- /bin/echo` alone, and 0.1 to 0.8 s for runs in quick succession on some machines (ioi/isolate #29 and #34: https://github.com/ioi/isolate/issues/29, https://github.com/ioi/isolate/issues/34). The interpreter's own start comes on top.",
    "- The public instance allowed 5 requests per second per client (Piston's readme), and has been whitelist-only since February 2026.",
    "",
  ].join("\n");
}
