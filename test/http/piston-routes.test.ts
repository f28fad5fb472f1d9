/**
 * Piston v2's API on a live `npm start` server, driven by the unmodified npm `piston-client` (which
 * sends JSON as text/plain and cannot send headers: the token is in the path), by plain fetch where
 * the client cannot say something (bad fields), and by `ws` for the WebSocket. One server for the file.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-expect-error piston-client 1.0.2 ships no types
import piston from "piston-client";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKiln } from "../helpers/kiln-process.ts";

interface Stage {
  stdout: string;
  stderr: string;
  output: string;
  code: number | null;
  signal: string | null;
  message: string | null;
  status: string | null;
  cpu_time: number;
  wall_time: number;
  memory: number | null;
}
interface Executed {
  language: string;
  version: string;
  run: Stage;
  message?: string;
}
interface Client {
  runtimes(): Promise<{ language: string; version: string; aliases: string[]; runtime?: string }[]>;
  execute(language: string, code: string, config?: Record<string, unknown>): Promise<Executed>;
  execute(config: Record<string, unknown>): Promise<Executed>;
}

const ADMIN = "piston-test-admin-token-0123456789";
const dataDir = mkdtempSync(join(tmpdir(), "kiln-piston-"));
let server: ChildProcess;
let base = "";
let token = "";
let client: Client;
/** A deadline well above any run here: the machine is shared, and these tests check behaviour, not time. */
const SLOW = { runTimeout: 20_000 };

beforeAll(async () => {
  const kiln = await startKiln({
    KILN_DB_PATH: join(dataDir, "kiln.sqlite"),
    KILN_SPARE_WORKERS: "0",
    KILN_ADMIN_TOKEN: ADMIN,
    KILN_PUBLIC_TENANT: "open",
    KILN_MAX_OUTPUT_BYTES: "4096",
  });
  server = kiln.child;
  base = kiln.base;
  token = kiln.token;
  client = piston({ server: `${base}/piston/${token}` }) as Client;
});
afterAll(() => {
  server?.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

/** A POST of raw JSON text, as a client that sends exactly what it is given. */
async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${base}${path}`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers });
  return { status: res.status, body: await res.json(), headers: res.headers };
}
const execute = (body: unknown) => post(`/piston/${token}/api/v2/execute`, body);
const admin = (path: string, body: unknown) => post(path, body, { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" });

/** The same program in each language: reads a line of stdin, prints it with the arguments (where a script can see them). */
const PROGRAMS: Record<string, { code: string; stdout: string; throws: string; thrown: RegExp }> = {
  python: { code: "import sys\nname = input()\nprint('hi', name, sys.argv[1:])", stdout: "hi Ada ['x', 'y']\n", throws: "def f():\n    raise ValueError('boom')\nf()", thrown: /Traceback[\s\S]*line 2, in f[\s\S]*ValueError: boom\n$/ },
  ruby: { code: "name = STDIN.gets.chomp\nputs \"hi #{name} #{ARGV.inspect}\"", stdout: 'hi Ada ["x", "y"]\n', throws: 'raise ArgumentError, "boom"', thrown: /ArgumentError: boom/ },
  lua: { code: "local name = io.read()\nprint('hi ' .. name .. ' ' .. table.concat(arg, ','))", stdout: "hi Ada x,y\n", throws: "error('boom')", thrown: /script:1: boom/ },
  javascript: { code: "console.log('hi ' + readStdin().trim())", stdout: "hi Ada\n", throws: "function f() { throw new TypeError('boom') }\nf()", thrown: /TypeError: boom\n.*script\.js:1/ },
  typescript: { code: "const name: string = readStdin().trim()\nconsole.log(`hi ${name}`)", stdout: "hi Ada\n", throws: "const f = (): never => { throw new RangeError('boom') }\nf()", thrown: /RangeError: boom/ },
};

describe("GET /api/v2/runtimes", () => {
  it("lists each Kiln language but components, with a semver version and its aliases, through piston-client", async () => {
    const runtimes = await client.runtimes();
    const res = await fetch(`${base}/v1/languages`, { headers: { authorization: `Bearer ${token}` } });
    const { languages } = (await res.json()) as { languages: { name: string; aliases: string[] }[] };
    expect(runtimes.map((r) => r.language)).toEqual(languages.map((l) => l.name).filter((n) => n !== "component"));
    for (const rt of runtimes) {
      expect(rt.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(rt.aliases).toEqual(expect.arrayContaining(languages.find((l) => l.name === rt.language)!.aliases));
    }
    expect(runtimes.find((r) => r.language === "python")).toMatchObject({ version: "3.11.2", aliases: expect.arrayContaining(["py", "py3", "python3"]) });
    expect(runtimes.find((r) => r.language === "javascript")).toMatchObject({ runtime: "quickjs", aliases: expect.arrayContaining(["js", "node-js"]) });
    for (const language of Object.keys(PROGRAMS)) expect(runtimes.map((r) => r.language)).toContain(language);
  });

  it("answers on /api/v2 too, without a token", async () => {
    const res = await fetch(`${base}/api/v2/runtimes`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(await client.runtimes());
  });
});

describe("POST /api/v2/execute through piston-client", () => {
  for (const [language, program] of Object.entries(PROGRAMS)) {
    it(`runs a ${language} script with stdin and args`, async () => {
      const result = await client.execute(language, program.code, { ...SLOW, stdin: "Ada", args: ["x", "y"] });
      const runtime = (await client.runtimes()).find((r) => r.language === language)!;
      expect(result).toMatchObject({ language, version: runtime.version });
      expect(result.run).toMatchObject({ stdout: program.stdout, stderr: "", output: program.stdout, code: 0, signal: null, status: null, message: null });
      expect(result.run.wall_time).toEqual(expect.any(Number));
      expect(result.run.memory).toBeGreaterThan(0);
    });

    it(`gives an uncaught ${language} exception a non-zero code and its traceback on stderr`, async () => {
      const { run } = await client.execute(language, program.throws, { ...SLOW, args: [] });
      expect(run).toMatchObject({ code: 1, signal: null, status: "RE", message: "Exited with error status 1" });
      expect(run.stderr).toMatch(program.thrown);
      expect(run.output).toBe(run.stdout + run.stderr);
    });
  }

  it("gives a syntax error exit status 1 and the interpreter's message on stderr", async () => {
    const { run } = await client.execute("python", "print(1 +", { ...SLOW, args: [] });
    expect(run).toMatchObject({ code: 1, status: "RE" });
    expect(run.stderr).toMatch(/SyntaxError/);
  });

  it("carries an exit status the program asked for (sys.exit, Ruby's exit)", async () => {
    expect((await client.execute("python", "import sys\nprint('a')\nsys.exit(3)", { ...SLOW, args: [] })).run).toMatchObject({ stdout: "a\n", stderr: "", code: 3, status: "RE", message: "Exited with error status 3" });
    expect((await client.execute("python", "import sys\nsys.exit('bye')", { ...SLOW, args: [] })).run).toMatchObject({ stderr: "bye\n", code: 1, status: "RE" });
    expect((await client.execute("python", "import sys\nsys.exit(0)", { ...SLOW, args: [] })).run).toMatchObject({ code: 0, status: null });
    expect((await client.execute("ruby", "puts 'a'\nexit 4", { ...SLOW, args: [] })).run).toMatchObject({ stdout: "a\n", stderr: "", code: 4, status: "RE" });
    expect((await client.execute("ruby", "exit!(5)", { ...SLOW, args: [] })).run).toMatchObject({ stderr: "", code: 1, status: "RE" });
  });

  it("runs a program that defines main and calls it itself once, as its interpreter would", async () => {
    const programs: [string, string][] = [
      ["python", "def main():\n    print('once')\n\nmain()"],
      ["lua", "function main() print('once') end\nmain()"],
      ["ruby", "def main = puts('once')\nmain"],
      ["javascript", "export default function main() { console.log('once') }\nmain()"],
    ];
    for (const [language, code] of programs) {
      expect((await client.execute(language, code, { ...SLOW, args: [] })).run, language).toMatchObject({ stdout: "once\n", code: 0 });
    }
  });

  it("ends stdin with a newline, as Piston does: without stdin a program reads one empty line", async () => {
    expect((await client.execute("python", "print(repr(input()))", { ...SLOW, args: [] })).run).toMatchObject({ stdout: "''\n", code: 0 });
    expect((await client.execute("lua", "print(io.read('a') == 'x\\n')", { ...SLOW, stdin: "x", args: [] })).run).toMatchObject({ stdout: "true\n", code: 0 });
  });

  it("finds a runtime by alias and by semver range", async () => {
    for (const version of ["*", "3", "3.x", ">=3.9", "3.11.2", "^3.10"]) {
      const result = await client.execute({ ...SLOW, language: "py3", version, files: [{ content: "print(2 + 2)" }], args: [] });
      expect(result).toMatchObject({ language: "python", version: "3.11.2", run: { stdout: "4\n", code: 0 } });
    }
  });

  it("runs several files: the first utf8 file is the program, the others are files it imports, in any encoding", async () => {
    const util = "def double(n):\n    return n * 2\n";
    const result = await client.execute({
      ...SLOW,
      language: "python",
      version: "3.x",
      args: [],
      files: [
        { name: "lib/util.py", content: Buffer.from(util).toString("base64"), encoding: "base64" },
        { name: "main.py", content: "from lib.util import double\nfrom hexed import x\nprint(double(21), x)" },
        { name: "hexed.py", content: Buffer.from("x = 'hex'\n").toString("hex"), encoding: "hex" },
      ],
    });
    expect(result.run).toMatchObject({ stdout: "42 hex\n", code: 0 });
    const js = await client.execute({ ...SLOW, language: "javascript", version: "*", files: [{ content: "import { twice } from './util.js'\nconsole.log(twice(4))" }, { name: "util.js", content: "export const twice = (n) => n * 2" }] });
    expect(js.run).toMatchObject({ stdout: "8\n", code: 0 });
    const lua = await client.execute({ ...SLOW, language: "lua", version: "*", files: [{ content: "local m = require('mod')\nprint(m.v)" }, { name: "mod.lua", content: "return { v = 7 }" }] });
    expect(lua.run).toMatchObject({ stdout: "7\n", code: 0 });
    const ruby = await client.execute({ ...SLOW, language: "ruby", version: "*", args: [], files: [{ content: "require_relative 'helper'\nputs Helper.v" }, { name: "helper.rb", content: "module Helper\n  def self.v = 9\nend" }] });
    expect(ruby.run).toMatchObject({ stdout: "9\n", code: 0 });
  });

  it("maps a timeout to TO with SIGKILL", async () => {
    const { run } = await client.execute("python", "while True:\n    pass", { runTimeout: 300, args: [] });
    expect(run).toMatchObject({ status: "TO", signal: "SIGKILL", code: null, message: expect.stringContaining("deadline") });
  });

  it("maps the output cap to OL with SIGKILL, keeping what fits", async () => {
    const { run } = await client.execute("python", "for i in range(100):\n    print(str(i) * 1000)", { ...SLOW, args: [] });
    expect(run).toMatchObject({ status: "OL", signal: "SIGKILL", code: null, message: expect.stringContaining("output") });
  });

  it("maps the memory cap to SG with SIGKILL", async () => {
    const { run } = await client.execute("python", "x = 'x' * 10**9", { ...SLOW, args: [] });
    expect(run).toMatchObject({ status: "SG", signal: "SIGKILL", code: null, message: expect.stringContaining("memory") });
  });

  it("takes JSON whatever the content type, and a bare body", async () => {
    for (const headers of [{ "content-type": "application/json" }, { "content-type": "text/plain;charset=UTF-8" }, {}] as Record<string, string>[]) {
      const res = await post(`/piston/${token}/api/v2/execute`, { language: "lua", version: "*", files: [{ content: "print(1)" }], run_timeout: 20_000 }, headers);
      expect(res).toMatchObject({ status: 200, body: { run: { stdout: "1\n" } } });
    }
  });
});

describe("errors, in Piston's {message} shape", () => {
  it("answers an unknown runtime and a bad version range as Piston does", async () => {
    expect(await execute({ language: "cobol", version: "*", files: [{ content: "x" }] })).toEqual({ status: 400, body: { message: "cobol-* runtime is unknown" }, headers: expect.anything() });
    expect((await execute({ language: "python", version: "latest", files: [{ content: "x" }] })).body).toEqual({ message: "python-latest runtime is unknown" });
    expect((await execute({ language: "python", version: ">=4", files: [{ content: "x" }] })).body).toEqual({ message: "python->=4 runtime is unknown" });
    expect((await execute({ language: "python", version: "not a range!", files: [{ content: "x" }] })).body).toEqual({ message: "python-not a range! runtime is unknown" });
    // piston-client sends no version for a language it does not find in the runtimes.
    expect(await client.execute("cobol", "DISPLAY 1")).toEqual({ message: "version is required as a string" });
  });

  it("names a missing or wrong field with Piston's wording", async () => {
    const cases: [unknown, number, string][] = [
      [{ version: "*", files: [] }, 400, "language is required as a string"],
      [{ language: 1, version: "*", files: [] }, 400, "language is required as a string"],
      [{ language: "python", files: [] }, 400, "version is required as a string"],
      [{ language: "python", version: "*" }, 400, "files is required as an array"],
      [{ language: "python", version: "*", files: [{ content: 3 }] }, 400, "files[0].content is required as a string"],
      [{ language: "python", version: "*", files: [{ content: "x", encoding: "latin1" }] }, 400, "files[0].encoding must be one of utf8, base64, hex"],
      [{ language: "python", version: "*", files: [{ content: "eA==", encoding: "base64" }] }, 400, "files must include at least one utf8 encoded file"],
      [{ language: "python", version: "*", files: [{ content: "x" }, { content: "not base64!", encoding: "base64" }] }, 400, "files[1].content is not valid base64"],
      [{ language: "python", version: "*", files: [{ content: "x" }, { content: "abc", encoding: "hex" }] }, 400, "files[1].content is not valid hex"],
      [{ language: "python", version: "*", files: [{ content: "x" }, { content: "/w==", encoding: "base64" }] }, 400, "files[1].content does not decode to UTF-8 text (Kiln's run files are source text)"],
      [{ language: "python", version: "*", files: [{ content: "x" }, { name: "../up.py", content: "y" }] }, 400, expect.stringContaining("files[1].name must be a relative path")],
      [{ language: "python", version: "*", files: [{ content: "x" }], run_timeout: 10_000_000 }, 400, "run_timeout cannot exceed the configured limit of 30000"],
      [{ language: "python", version: "*", files: [{ content: "x" }], run_cpu_time: 30_001 }, 400, "run_cpu_time cannot exceed the configured limit of 30000"],
      [{ language: "python", version: "*", files: [{ content: "x" }], run_memory_limit: 2 ** 40 }, 400, `run_memory_limit cannot exceed the configured limit of ${256 * 1024 * 1024}`],
      [{ language: "python", version: "*", files: [{ content: "x" }], compile_timeout: "10" }, 400, "If specified, compile_timeout must be a number"],
      [{ language: "python", version: "*", files: [{ content: "x" }], run_timeout: -5 }, 400, "run_timeout must be non-negative"],
      [{ language: "python", version: "*", files: [{ content: "x" }], args: [1] }, 400, "If specified, args must be an array of strings"],
      [{ language: "python", version: "*", files: [{ content: "x" }], stdin: 5 }, 400, "If specified, stdin must be a string"],
      [{ language: "python", version: "*", files: [{ content: "x" }], args: Array(65).fill("a") }, 413, "args: at most 64 arguments"],
      [[1, 2], 400, "the request body must be a JSON object"],
      ["{not json", 400, expect.stringMatching(/^The body is not JSON/)],
    ];
    for (const [body, status, message] of cases) {
      const res = await execute(body);
      expect({ body, status: res.status, answer: res.body }).toEqual({ body, status, answer: { message } });
    }
  });

  it("refuses a bad token, a token without the run scope, and an unknown route in its shape", async () => {
    const bad = await post("/piston/not-a-token/api/v2/execute", { language: "python", version: "*", files: [{ content: "x" }] });
    expect(bad).toMatchObject({ status: 401, body: { message: "The token is not valid" } });
    const created = await admin("/v1/tenants", { name: "readonly", scopes: ["logs"] });
    expect(created.status).toBe(201);
    const scoped = await post(`/piston/${created.body.token}/api/v2/execute`, { language: "python", version: "*", files: [{ content: "x" }] });
    expect(scoped).toMatchObject({ status: 403, body: { message: "The token lacks the 'run' scope" } });
    const missing = await fetch(`${base}/piston/${token}/api/v2/packages`);
    expect([missing.status, await missing.json()]).toEqual([404, { message: "Not Found" }]);
  });

  it("serves /api/v2 without a token as the public tenant, under that tenant's own rate limit", async () => {
    const before = await post("/api/v2/execute", { language: "lua", version: "*", files: [{ content: "print(1)" }] });
    expect(before).toMatchObject({ status: 503, body: { message: expect.stringContaining("KILN_PUBLIC_TENANT") } });
    expect((await admin("/v1/tenants", { name: "open", quotas: { runsPerMinute: 2 } })).status).toBe(201);
    const run = () => post("/api/v2/execute", { language: "lua", version: "*", files: [{ content: "print('open')" }], run_timeout: 20_000 });
    expect(await run()).toMatchObject({ status: 200, body: { run: { stdout: "open\n" } } });
    expect(await run()).toMatchObject({ status: 200 });
    const limited = await run();
    expect(limited).toMatchObject({ status: 429, body: { message: "More than 2 runs per minute" } });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // The dev tenant's path token is its own tenant, with its own limit.
    expect((await execute({ language: "lua", version: "*", files: [{ content: "print(2)" }], run_timeout: 20_000 })).status).toBe(200);
  });
});

/** A WebSocket session: the messages received and how it closed. */
function session(path: string, send: (ws: WebSocket) => void): Promise<{ messages: any[]; code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace("http", "ws")}${path}`);
    const messages: any[] = [];
    ws.on("open", () => send(ws));
    ws.on("message", (data) => messages.push(JSON.parse(String(data))));
    ws.on("close", (code, reason) => resolve({ messages, code, reason: String(reason) }));
    ws.on("error", reject);
  });
}
const init = { type: "init", language: "python", version: "3.x", run_timeout: 20_000, files: [{ content: "import sys\nprint(input().upper())\nprint('err', file=sys.stderr)" }] };

describe("WebSocket /api/v2/connect", () => {
  it("runs with the stdin sent after init, and answers runtime, stage, data, exit, then closes 4999", async () => {
    const result = await session(`/piston/${token}/api/v2/connect`, (ws) => {
      ws.send(JSON.stringify(init));
      ws.send(JSON.stringify({ type: "data", stream: "stdin", data: "hello " }));
      ws.send(JSON.stringify({ type: "data", stream: "stdin", data: "socket\n" }));
    });
    expect(result).toEqual({
      code: 4999,
      reason: "Job Completed",
      messages: [
        { type: "runtime", language: "python", version: "3.11.2" },
        { type: "stage", stage: "run" },
        { type: "data", stream: "stdout", data: "HELLO SOCKET\n" },
        { type: "data", stream: "stderr", data: "err\n" },
        { type: "exit", stage: "run", code: 0, signal: null },
      ],
    });
  });

  it("closes with Piston's codes on protocol mistakes", async () => {
    const path = `/piston/${token}/api/v2/connect`;
    expect(await session(path, (ws) => ws.send(JSON.stringify({ type: "data", stream: "stdin", data: "x" })))).toMatchObject({ code: 4003, reason: "Not yet initialized" });
    expect(await session(path, (ws) => (ws.send(JSON.stringify(init)), ws.send(JSON.stringify(init))))).toMatchObject({ code: 4000, reason: "Already Initialized" });
    expect(await session(path, (ws) => (ws.send(JSON.stringify(init)), ws.send(JSON.stringify({ type: "data", stream: "stdout", data: "x" }))))).toMatchObject({ code: 4004 });
    expect(await session(path, (ws) => (ws.send(JSON.stringify(init)), ws.send(JSON.stringify({ type: "signal", signal: "SIGNOPE" }))))).toMatchObject({ code: 4005, reason: "Invalid signal" });
    expect(await session(path, () => {})).toMatchObject({ code: 4001, messages: [] });
    const unknown = await session(path, (ws) => ws.send(JSON.stringify({ ...init, language: "cobol" })));
    expect(unknown).toEqual({ code: 4002, reason: "Notified Error", messages: [{ type: "error", message: "cobol-3.x runtime is unknown" }] });
  });

  it("refuses the upgrade without a valid token", async () => {
    await expect(session("/piston/not-a-token/api/v2/connect", () => {})).rejects.toThrow(/401/);
  });
});
