/**
 * `npm run soak -- --minutes N [--clients 8] [--hostile-tenant]`: a real server (`npm start`'s command)
 * under ~8 concurrent clients for N minutes. 80% of requests are benign runs in every language whose
 * results are checked; 20% are hostile (endless loops, memory bombs, deep recursion, output floods,
 * natives that ignore fuel, never-called callbacks), from the same tenant or, with --hostile-tenant, a
 * second one. It samples the server's RSS every 10 s and reports wrong results, 5xx, benign p50/p99 per
 * language in the first and last minute, RSS drift and worker restarts, into bench/RESULTS.md (## Soak).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startKiln } from "../test/helpers/kiln-process.ts";

const { values } = parseArgs({ options: { minutes: { type: "string", default: "10" }, clients: { type: "string", default: "8" }, "hostile-tenant": { type: "boolean", default: false } } });
const minutes = Number(values.minutes);
const clients = Number(values.clients);
if (!(minutes > 0) || !(clients > 0)) throw new Error("usage: npm run soak -- --minutes N [--clients 8] [--hostile-tenant]");

/** Benign runs: [language, code, input, the result it must answer]. */
const BENIGN: [string, string, unknown, unknown][] = [
  ["javascript", "export default (i) => i.a + 1", { a: 41 }, 42],
  ["typescript", "export default (i: { a: number }): number => i.a * 2", { a: 21 }, 42],
  ["python", "def main(i):\n    return sum(range(i['n']))", { n: 10 }, 45],
  ["lua", "function main(i) return i.n * 2 end", { n: 21 }, 42],
  ["ruby", "def main(i) = i['s'].upcase", { s: "kiln" }, "KILN"],
];
/** Hostile runs: [language, code, limits]; any 200 answer is fine, a 5xx is not. */
const HOSTILE: [string, string, Record<string, number>][] = [
  ["javascript", "while (true) {}", { fuel: 2000 }],
  ["javascript", "const a = []; for (;;) a.push('x'.repeat(1e5))", { memoryMb: 32 }],
  ["javascript", "JSON.parse('[' + '1,'.repeat(5e7) + '1]')", { timeoutMs: 300 }],
  ["javascript", "module.exports = function (ctx, cb) {}", { timeoutMs: 300 }],
  ["python", "def f(n):\n    return f(n + 1)\nf(0)", {}],
  ["python", "while True:\n    print('flood flood flood flood')", {}],
  ["lua", "local t = {} while true do t[#t + 1] = ('x'):rep(1e5) end", { memoryMb: 32 }],
  ["ruby", "loop {}", { fuel: 500 }],
];

const dir = mkdtempSync(join(tmpdir(), "kiln-soak-"));
const ADMIN = "soak-admin-token-0123456789abcdef";
const kiln = await startKiln({ KILN_DB_PATH: join(dir, "kiln.sqlite"), KILN_ADMIN_TOKEN: ADMIN });
const post = (token: string, body: unknown) =>
  fetch(`${kiln.base}/v1/run`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
let hostileToken = kiln.token;
if (values["hostile-tenant"]) {
  const res = await fetch(`${kiln.base}/v1/tenants`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, body: JSON.stringify({ name: "hostile" }) });
  hostileToken = ((await res.json()) as { token: string }).token;
}

const rss = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${kiln.child.pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
const samples: { at: number; rss: number }[] = [];
const started = Date.now();
const end = started + minutes * 60_000;
const sampler = setInterval(() => samples.push({ at: Date.now() - started, rss: rss() }), 10_000);
samples.push({ at: 0, rss: rss() });

const stats = { requests: 0, wrong: 0, fiveXX: 0, restarts: 0, hostile: 0 };
const latencies: { language: string; at: number; ms: number }[] = [];
let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);

async function client(): Promise<void> {
  while (Date.now() < end) {
    stats.requests++;
    if (random() < 0.2) {
      const [language, code, limits] = HOSTILE[Math.floor(random() * HOSTILE.length)]!;
      stats.hostile++;
      const res = await post(hostileToken, { language, code, limits });
      if (res.status >= 500) stats.fiveXX++;
      const body = (await res.json()) as { error?: { message?: string } };
      if (body.error?.message?.includes("its worker was stopped")) stats.restarts++;
      continue;
    }
    const [language, code, input, expected] = BENIGN[Math.floor(random() * BENIGN.length)]!;
    const t0 = performance.now();
    const res = await post(kiln.token, { language, code, input });
    const ms = performance.now() - t0;
    if (res.status >= 500) stats.fiveXX++;
    const body = (await res.json()) as { ok: boolean; result?: unknown };
    if (!body.ok || JSON.stringify(body.result) !== JSON.stringify(expected)) stats.wrong++;
    latencies.push({ language, at: Date.now() - started, ms });
  }
}
await Promise.all(Array.from({ length: clients }, client));
clearInterval(sampler);
samples.push({ at: Date.now() - started, rss: rss() });
kiln.child.kill("SIGTERM");
rmSync(dir, { recursive: true, force: true });

const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]! : NaN);
const window = (from: number, to: number, language: string) => latencies.filter((l) => l.language === language && l.at >= from && l.at < to).map((l) => l.ms);
const last = Date.now() - started;
const rows = BENIGN.map(([language]) => {
  const first = window(0, 60_000, language);
  const final = window(last - 60_000, last + 1, language);
  return `| ${language} | ${pct(first, 0.5).toFixed(1)} / ${pct(first, 0.99).toFixed(1)} | ${pct(final, 0.5).toFixed(1)} / ${pct(final, 0.99).toFixed(1)} | ${(pct(final, 0.99) / pct(final, 0.5)).toFixed(1)}× |`;
});
const settled = samples.filter((s) => s.at >= 60_000);
const base = (settled[0] ?? samples[0]!).rss;
const drift = (samples.at(-1)!.rss - base) / base;
const section = `## Soak, the hostile share from ${values["hostile-tenant"] ? "a second tenant" : "the same tenant"}

\`npm run soak -- --minutes ${minutes} --clients ${clients}${values["hostile-tenant"] ? " --hostile-tenant" : ""}\` on ${new Date().toISOString().slice(0, 10)}: ${stats.requests} requests (${stats.hostile} hostile, from ${values["hostile-tenant"] ? "a second tenant" : "the same tenant"}), **${stats.wrong} wrong results, ${stats.fiveXX} 5xx**, ${stats.restarts} worker restarts by the watchdog.
RSS ${(base / 2 ** 20).toFixed(0)} MB after the first minute, ${(samples.at(-1)!.rss / 2 ** 20).toFixed(0)} MB at the end: drift ${(drift * 100).toFixed(1)}% (peak ${(Math.max(...samples.map((s) => s.rss)) / 2 ** 20).toFixed(0)} MB).

| language | benign p50 / p99 ms, first minute | last minute | last minute p99 / p50 |
|---|--:|--:|--:|
${rows.join("\n")}
`;
const resultsPath = new URL("./RESULTS.md", import.meta.url);
const results = readFileSync(resultsPath, "utf8");
// One section per mode (the hostile share from the same tenant, or from a second one), each replaced by its own next run.
const mode = values["hostile-tenant"] ? "second-tenant" : "same-tenant";
const marked = `<!-- soak ${mode} -->\n${section}<!-- /soak ${mode} -->\n`;
const existing = new RegExp(`<!-- soak ${mode} -->[\\s\\S]*<!-- /soak ${mode} -->\\n`);
writeFileSync(resultsPath, existing.test(results) ? results.replace(existing, marked) : `${results.trimEnd()}\n\n${marked}`);
console.log(section);
process.exit(0);
