/**
 * Streamed runs (`Accept: text/event-stream` on `POST /v1/run` and on an invocation) against a real Node
 * server with its worker pool, started as `npm start` starts it: output arrives while the run goes, and
 * the final `result` is the body the same request answers unstreamed.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { languages } from "../../languages/index.ts";
import { serverSentEvents } from "../../src/client/server-sent-events.ts";
import { startKiln } from "../helpers/kiln-process.ts";

/** The server's output cap, small so a test can pass it. */
const MAX_OUTPUT_BYTES = 4096;
/** Fuel and deadline enough for a cold Python or Ruby on a loaded machine. */
const FUEL = 1_000_000_000;
const LIMITS = { fuel: FUEL, timeoutMs: 30_000 };

/** How long each PRINT_THEN_SPIN program computes after it printed. */
const SPIN_MS = 1200;

/**
 * Per language: a program that prints `first` on a line of its own, then computes for SPIN_MS by its
 * clock (null, with why, where a language prints nothing). It ends by itself rather than at its deadline
 * or its fuel, which would vary with a loaded machine (a cold Python or Ruby start takes seconds) and
 * whose worker kill would make the next run cold again. Python and Ruby flush their stdout explicitly:
 * as their interpreters do when stdout is not a terminal, they buffer it until the program flushes or
 * ends. A language in the list without an entry fails below.
 */
const PRINT_THEN_SPIN: Record<string, string | { none: string }> = {
  javascript: `console.log("first"); const end = Date.now() + ${SPIN_MS}; let i = 0; while (Date.now() < end) i++;`,
  typescript: `const line: string = "first"; console.log(line); const end: number = Date.now() + ${SPIN_MS}; let i = 0; while (Date.now() < end) i++;`,
  lua: `print("first")\nlocal stop = os.clock() + ${SPIN_MS / 1000}\nlocal i = 0\nwhile os.clock() < stop do i = i + 1 end`,
  python: `import sys, time\nprint("first")\nsys.stdout.flush()\nstop = time.monotonic() + ${SPIN_MS / 1000}\ni = 0\nwhile time.monotonic() < stop:\n    i += 1`,
  ruby: `puts "first"\n$stdout.flush\nstop = Process.clock_gettime(Process::CLOCK_MONOTONIC) + ${SPIN_MS / 1000}\ni = 0\ni += 1 while Process.clock_gettime(Process::CLOCK_MONOTONIC) < stop`,
  cel: { none: "CEL is an expression language: it prints nothing" },
  "cel++": { none: "CEL is an expression language: it prints nothing" },
  component: { none: "a caller's component: covered with the component routes' fixtures, not as source code" },
};

/** Per language: a handler that prints `out` to stdout and `err` to stderr, and answers 42 (CEL: answers only). */
const PRINTS: Record<string, string> = {
  javascript: 'export default () => { console.log("out"); console.error("err"); return 42 }',
  typescript: 'export default (): number => { console.log("out"); console.error("err"); return 42 }',
  lua: 'function main()\n  print("out")\n  io.stderr:write("err\\n")\n  return 42\nend',
  python: 'import sys\ndef main(input):\n    print("out")\n    print("err", file=sys.stderr)\n    return 42',
  ruby: 'def main(input)\n  puts "out"\n  $stderr.puts "err"\n  42\nend',
  cel: "40 + 2",
  "cel++": "40 + 2",
};

const names = languages.map((l) => l.language.name);
const dir = mkdtempSync(join(tmpdir(), "kiln-run-stream-"));
let child: ChildProcess | undefined;
let base = "";
let token = "";

beforeAll(async () => {
  const kiln = await startKiln({
    KILN_DB_PATH: join(dir, "kiln.sqlite"),
    KILN_WORKERS: "2",
    KILN_SPARE_WORKERS: "0",
    KILN_WARM_UP: "",
    KILN_MAX_OUTPUT_BYTES: String(MAX_OUTPUT_BYTES),
    KILN_MAX_FUEL: String(FUEL),
  });
  child = kiln.child;
  base = kiln.base;
  token = kiln.token;
}, 300_000);

afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

interface Received {
  event: string;
  data: any;
  /** performance.now() when the event was parsed. */
  at: number;
}

/** Sends a request with `Accept: text/event-stream` and reads its events as they arrive. */
async function streamed(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ response: Response; events: Received[] }> {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "text/event-stream", ...headers },
    body: JSON.stringify(body),
  });
  const events: Received[] = [];
  if (!response.headers.get("content-type")?.startsWith("text/event-stream")) return { response, events };
  for await (const { event, data } of serverSentEvents(response.body!)) events.push({ event, data: JSON.parse(data), at: performance.now() });
  return { response, events };
}

async function plain(path: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

const joined = (events: Received[], stream: string) => events.filter((e) => e.event === stream).map((e) => e.data.text as string).join("");
/** What a run's outcome holds that does not vary from run to run. */
const deterministic = (o: any) => ({ ok: o.ok, result: o.result, error: o.error, stdout: o.stdout, stderr: o.stderr, logs: o.logs, fuel: o.usage?.fuel });

describe("streamed runs", () => {
  it("has a program for every language", () => {
    expect(Object.keys(PRINT_THEN_SPIN).sort()).toEqual([...names].sort());
    for (const name of names) if (typeof PRINT_THEN_SPIN[name] === "string") expect(PRINTS[name], name).toBeTypeOf("string");
  });

  describe.each(names.filter((n) => typeof PRINT_THEN_SPIN[n] === "string"))("%s", (language) => {
    it("sends the first line before the run ends", async () => {
      const { response, events } = await streamed("/v1/run", { language, code: PRINT_THEN_SPIN[language], limits: LIMITS });
      expect(response.status).toBe(200);
      const first = events.find((e) => e.event === "stdout");
      const result = events.at(-1)!;
      expect(result.event).toBe("result");
      expect(events.filter((e) => e.event === "result")).toHaveLength(1);
      expect(first?.data.text).toMatch(/^first/);
      // The guest computed for SPIN_MS after printing: streamed, the line came well before the end.
      expect(result.at - first!.at).toBeGreaterThan(SPIN_MS / 2);
      expect(result.data, JSON.stringify(result.data)).toMatchObject({ ok: true, stdout: "first\n" });
    }, 120_000);

    it("ends with the result the unstreamed request answers", async () => {
      const body = { language, code: PRINTS[language], limits: LIMITS };
      const once = await plain("/v1/run", body);
      const { events } = await streamed("/v1/run", body);
      expect(once.status).toBe(200);
      const result = events.at(-1)!;
      expect(result.event).toBe("result");
      expect(deterministic(result.data)).toEqual(deterministic(once.body));
      expect(Object.keys(result.data).sort()).toEqual(Object.keys(once.body).sort());
      expect(result.data.result).toBe(42);
      // The chunks are the output, in order.
      expect(joined(events, "stdout")).toBe(result.data.stdout);
      expect(joined(events, "stderr")).toBe(result.data.stderr);
    }, 120_000);
  });

  it("CEL answers its result alone", async () => {
    const cel = names.find((n) => n === "cel" && typeof PRINT_THEN_SPIN[n] !== "string");
    if (!cel) return expect(names).not.toContain("cel");
    const { events } = await streamed("/v1/run", { language: cel, code: "1 + 2" });
    expect(events.map((e) => e.event)).toEqual(["result"]);
    expect(events[0]!.data).toMatchObject({ ok: true, result: 3, stdout: "", stderr: "" });
  }, 60_000);

  it("streams log entries in order with the output", async () => {
    const code = 'import { log } from "kiln"; export default () => { console.log("a"); log.write("info", "between"); console.log("b"); return null }';
    const once = await plain("/v1/run", { language: "javascript", code });
    const { events } = await streamed("/v1/run", { language: "javascript", code });
    expect(once.body.ok, JSON.stringify(once.body)).toBe(true);
    const order = events.filter((e) => e.event !== "result").map((e) => (e.event === "log" ? `log:${e.data.level}:${e.data.message}` : `${e.event}:${e.data.text}`));
    expect(order).toEqual(["stdout:a\n", "log:info:between", "stdout:b\n"]);
    expect(deterministic(events.at(-1)!.data)).toEqual(deterministic(once.body));
  }, 60_000);

  it("truncates output past the cap as the unstreamed response does", async () => {
    const code = 'export default () => { for (let i = 0; i < 100; i++) console.log("é".repeat(50) + i); return 1 }';
    const once = await plain("/v1/run", { language: "javascript", code });
    const { events } = await streamed("/v1/run", { language: "javascript", code });
    const result = events.at(-1)!.data;
    expect(once.body.error.code).toBe("output_limit");
    expect(deterministic(result)).toEqual(deterministic(once.body));
    expect(joined(events, "stdout")).toBe(result.stdout);
    expect(new TextEncoder().encode(result.stdout).length).toBeLessThanOrEqual(MAX_OUTPUT_BYTES);
    expect(result.stdout.length).toBeGreaterThan(1000);
  }, 60_000);

  it("streams an invocation of a deployed script, with the version that ran", async () => {
    const deploy = await fetch(`${base}/v1/scripts/streamed`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ language: "javascript", code: 'export default (i) => { console.log("got", i.n); return i.n * 2 }' }),
    });
    expect(deploy.status).toBe(201);
    const once = await plain("/v1/scripts/streamed/invoke", { n: 21 });
    const { events } = await streamed("/v1/scripts/streamed/invoke", { n: 21 });
    expect(events.map((e) => e.event)).toEqual(["stdout", "result"]);
    expect(events[0]!.data).toEqual({ text: "got 21\n" });
    expect(events[1]!.data.script).toEqual(once.body.script);
    expect(deterministic(events[1]!.data)).toEqual(deterministic(once.body));
  }, 60_000);

  it("refuses before streaming with a JSON 4xx, then serves a benign request", async () => {
    const expectJsonError = async (r: { response: Response; events: Received[] }, status: number, code: string) => {
      expect(r.response.status).toBe(status);
      expect(r.response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(r.events).toEqual([]);
      expect((await r.response.json()).error.code).toBe(code);
    };
    await expectJsonError(await streamed("/v1/run", { language: "javascript" }), 400, "invalid_request");
    await expectJsonError(await streamed("/v1/run", { language: "nope", code: "1" }), 400, "unsupported_language");
    await expectJsonError(await streamed("/v1/run", { language: "javascript", code: "1" }, { authorization: "Bearer nope" }), 401, "unauthorized");
    await expectJsonError(await streamed("/v1/run", { component: "missing", input: null }), 400, "invalid_request");
    await expectJsonError(await streamed("/v1/run", { component: "0".repeat(64), input: null }), 404, "not_found");
    await expectJsonError(await streamed("/v1/scripts/missing/invoke", null), 404, "not_found");
    const { response, events } = await streamed("/v1/run", { language: "javascript", code: "export default () => 'fine'" });
    expect(response.status).toBe(200);
    expect(events.at(-1)!.data).toMatchObject({ ok: true, result: "fine" });
  }, 60_000);

  it("answers JSON without the header", async () => {
    const response = await fetch(`${base}/v1/run`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ language: "javascript", code: "export default () => 1" }),
    });
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect((await response.json()).result).toBe(1);
  }, 60_000);
});
