/**
 * autocannon in its own process, so the load generator does not share the server's event loop:
 * `node --import tsx bench/peers/cannon.ts '<json options>'`. Prints one JSON line: the rate, the
 * latencies, the failures, and the CPU this process used. `unique` gives every request its own code.
 */
import autocannon from "autocannon";

const o = JSON.parse(process.argv[2]!) as { url: string; token?: string; code: string; input: unknown; unique: boolean; connections: number; duration: number };
const headers: Record<string, string> = { "content-type": "application/json", ...(o.token && { authorization: `Bearer ${o.token}` }) };
const body = (code: string) => JSON.stringify({ language: "javascript", code, input: o.input });
let n = 0;
const fixed = body(o.code);
const result = await autocannon({
  url: o.url,
  method: "POST",
  headers,
  connections: o.connections,
  duration: o.duration,
  requests: [{ setupRequest: (req) => ({ ...req, body: o.unique ? body(`${o.code}\n// request ${process.pid}-${n++}`) : fixed }) }],
});
const cpu = process.cpuUsage();
console.log(
  JSON.stringify({
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  }),
);
