/**
 * The Judge0 CE v1.13.1 API under /judge0, against a live `npm start` server (its SQLite queue and
 * consumer loop included), route by route after the request/response examples of Judge0's own API
 * documentation (judge0/judge0 docs/api/): sync (`wait=true`), async with polling, batch, base64,
 * `fields`, callbacks, and the error shapes.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startKiln } from "../helpers/kiln-process.ts";

const dir = mkdtempSync(join(tmpdir(), "kiln-judge0-"));
const ADMIN = "judge0-admin-token";
let child: ChildProcess;
let base = "";
let token = "";
let callbackServer: Server;
let callbackPort = 0;
const callbacks: { method: string; body: any }[] = [];

beforeAll(async () => {
  callbackPort = await freePort();
  callbackServer = createServer((req, res) => {
    let data = "";
    req.on("data", (d) => (data += d));
    req.on("end", () => {
      callbacks.push({ method: req.method ?? "", body: JSON.parse(data) });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => callbackServer.listen(callbackPort, "127.0.0.1", resolve));
  const kiln = await startKiln({
    KILN_DB_PATH: join(dir, "kiln.sqlite"),
    KILN_ADMIN_TOKEN: ADMIN,
    KILN_WORKERS: "1",
    KILN_SPARE_WORKERS: "0",
    // No warm-up: the machine is shared, and the first Python and Ruby runs pay for their start instead.
    KILN_WARM_UP: "",
    KILN_GRANTS: JSON.stringify({ http: { allow: [`127.0.0.1:${callbackPort}`] } }),
    KILN_HTTP_ALLOW_PRIVATE: "1",
    // Judge0's cpu_time_limit defaults to the server's deadline: a long one, so a loaded machine's cold Python start is no timeout.
    KILN_DEFAULT_TIMEOUT_MS: "15000",
  });
  child = kiln.child;
  base = kiln.base;
  token = kiln.token;
}, 300_000);

afterAll(() => {
  child?.kill("SIGKILL");
  callbackServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(path: string, init: { method?: string; body?: unknown; as?: string | null; raw?: string } = {}): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const as = init.as === undefined ? token : init.as;
  if (as !== null) headers["x-auth-token"] = as;
  const res = await fetch(`${base}/judge0${path}`, {
    method: init.method ?? (init.body === undefined && init.raw === undefined ? "GET" : "POST"),
    headers,
    body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Polls a submission, as a Judge0 client does, until it is neither In Queue nor Processing. */
async function poll(tok: string, query = ""): Promise<any> {
  for (;;) {
    const res = await call(`/submissions/${tok}?fields=*${query}`);
    expect(res.status).toBe(200);
    if (res.body.status.id > 2) return res.body;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const GREET = 'name = input()\nprint(f"hello, {name}")\n';
const DEFAULT_KEYS = ["compile_output", "memory", "message", "status", "stderr", "stdout", "time", "token"];

describe("statuses and languages", () => {
  it("GET /statuses lists Judge0's fourteen statuses", async () => {
    const res = await call("/statuses");
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(14);
    expect(res.body[0]).toEqual({ id: 1, description: "In Queue" });
    expect(res.body[2]).toEqual({ id: 3, description: "Accepted" });
    expect(res.body[12]).toEqual({ id: 13, description: "Internal Error" });
  });

  it("GET /languages uses Judge0's own ids for Kiln's languages", async () => {
    const res = await call("/languages");
    expect(res.status).toBe(200);
    const ids = res.body.map((l: { id: number }) => l.id);
    expect(ids.slice(0, 5)).toEqual([63, 64, 71, 72, 74]);
    // Any other Kiln language has a Kiln-specific id, outside Judge0's range.
    for (const id of ids.slice(5)) expect(id).toBeGreaterThanOrEqual(1000);
    for (const l of res.body) expect(Object.keys(l).sort()).toEqual(["id", "name"]);
    expect(res.body.find((l: { id: number }) => l.id === 71).name).toMatch(/^Python \(CPython 3\.11\.2/);
  });

  it("GET /languages/:id answers the language, and 404 for an unknown one", async () => {
    const res = await call("/languages/71");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 71, is_archived: false, source_file: "script.py", compile_cmd: null });
    expect(typeof res.body.run_cmd).toBe("string");
    expect(await call("/languages/150000")).toEqual({ status: 404, body: { error: "Not Found", status: 404 } });
  });

  it("GET /about answers the contract's version", async () => {
    const res = await call("/about");
    expect(res.status).toBe(200);
    expect(res.body.version).toBe("1.13.1");
    expect(Object.keys(res.body).sort()).toEqual(["homepage", "maintainer", "source_code", "version"]);
  });
});

describe("POST /submissions?wait=true", () => {
  it("answers 201 with the default fields: Accepted when stdout matches expected_output", async () => {
    const res = await call("/submissions?wait=true", { body: { source_code: GREET, language_id: "71", stdin: "Judge0", expected_output: "hello, Judge0" } });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(DEFAULT_KEYS);
    expect(res.body).toMatchObject({ stdout: "hello, Judge0\n", stderr: null, compile_output: null, message: null, status: { id: 3, description: "Accepted" } });
    expect(res.body.time).toMatch(/^\d+\.\d{3}$/);
    expect(typeof res.body.memory).toBe("number");
    expect(res.body.token).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("compares as Judge0 does: trailing whitespace on lines and trailing blank lines do not count", async () => {
    const same = await call("/submissions?wait=true", { body: { source_code: GREET, language_id: 71, stdin: "Judge0", expected_output: "hello, Judge0   \n\n\n" } });
    expect(same.body.status).toEqual({ id: 3, description: "Accepted" });
    const wrong = await call("/submissions?wait=true", { body: { source_code: GREET, language_id: 71, stdin: "Judge0", expected_output: "hello, judge0" } });
    expect(wrong.body.status).toEqual({ id: 4, description: "Wrong Answer" });
  });

  it("an uncaught exception is a Runtime Error (NZEC) with the traceback on stderr", async () => {
    const res = await call("/submissions?wait=true&fields=status,stderr,exit_code,stdout", { body: { source_code: 'print("before")\nraise ValueError("boom")\n', language_id: 71 } });
    expect(res.body.status).toEqual({ id: 11, description: "Runtime Error (NZEC)" });
    expect(res.body.exit_code).toBe(1);
    expect(res.body.stdout).toBe("before\n");
    expect(res.body.stderr).toContain("ValueError: boom");
  });

  it("runs a program that defines main and calls it itself once, as its interpreter would", async () => {
    const res = await call("/submissions?wait=true&fields=stdout,status", { body: { source_code: "def main():\n    print('once')\n\nmain()", language_id: 71 } });
    expect(res.body).toMatchObject({ stdout: "once\n", status: { id: 3 } });
  });

  it("maps cpu_time_limit to the deadline: an endless loop is Time Limit Exceeded", async () => {
    const res = await call("/submissions?wait=true", { body: { source_code: "while (true) {}", language_id: 63, cpu_time_limit: 0.3 } });
    expect(res.body.status).toEqual({ id: 5, description: "Time Limit Exceeded" });
  });

  it("passes command_line_arguments and stdin to a JavaScript script", async () => {
    const res = await call("/submissions?wait=true&fields=stdout,status", {
      body: { source_code: 'console.log(readStdin().trim().toUpperCase())', language_id: 63, stdin: "shout" },
    });
    expect(res.body).toEqual({ stdout: "SHOUT\n", status: { id: 3, description: "Accepted" } });
    const args = await call("/submissions?wait=true&fields=stdout", { body: { source_code: "import sys\nprint(sys.argv[1:])", language_id: 71, command_line_arguments: "a  b;c" } });
    expect(args.body).toEqual({ stdout: "['a', 'bc']\n" });
  });

  it("takes and gives Base64 with base64_encoded=true", async () => {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const res = await call("/submissions?wait=true&base64_encoded=true", { body: { source_code: b64(GREET), language_id: 71, stdin: b64("Judge0"), expected_output: b64("hello, Judge0") } });
    expect(res.status).toBe(201);
    expect(res.body.status.id).toBe(3);
    // Ruby's Base64.encode64, as Judge0 sends it: a newline at the end.
    expect(res.body.stdout).toBe("aGVsbG8sIEp1ZGdlMAo=\n");
    const again = await call(`/submissions/${res.body.token}?base64_encoded=true&fields=stdout,source_code`);
    expect(again.body).toEqual({ stdout: "aGVsbG8sIEp1ZGdlMAo=\n", source_code: `${b64(GREET)}\n` });
  });
});

describe("POST /submissions (async) and GET /submissions/:token", () => {
  it("returns only a token at once; polling ends with the result; fields picks attributes", async () => {
    const created = await call("/submissions", { body: { source_code: GREET, language_id: 71, stdin: "world" } });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body)).toEqual(["token"]);
    const done = await poll(created.body.token);
    expect(done).toMatchObject({ stdout: "hello, world\n", status_id: 3, language_id: 71, language: { id: 71 }, exit_code: 0, token: created.body.token });
    expect(done.finished_at).not.toBeNull();
    const picked = await call(`/submissions/${created.body.token}?fields=stdout,stderr,status_id,language_id`);
    expect(picked).toEqual({ status: 200, body: { stdout: "hello, world\n", stderr: null, status_id: 3, language_id: 71 } });
    const all = await call(`/submissions/${created.body.token}?fields=*`);
    expect(Object.keys(all.body)).toHaveLength(40);
  });

  it("keeps a submission to its tenant: another tenant's token gets 404", async () => {
    const created = await call("/submissions", { body: { source_code: "print(1)", language_id: 71 } });
    const other = await fetch(`${base}/v1/tenants`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, body: JSON.stringify({ name: "judge0-other" }) });
    const otherToken = (await other.json()).token;
    expect(await call(`/submissions/${created.body.token}`, { as: otherToken })).toEqual({ status: 404, body: { error: "Not Found", status: 404 } });
    await poll(created.body.token);
  });

  it("PUTs the result to callback_url, Base64-encoded, under the http allowlist", async () => {
    const url = `http://127.0.0.1:${callbackPort}/done`;
    const created = await call("/submissions", { body: { source_code: 'print("called back")', language_id: 71, callback_url: url } });
    expect(created.status).toBe(201);
    await poll(created.body.token);
    for (let i = 0; i < 100 && !callbacks.some((c) => c.body.token === created.body.token); i++) await new Promise((r) => setTimeout(r, 50));
    const got = callbacks.find((c) => c.body.token === created.body.token);
    expect(got?.method).toBe("PUT");
    expect(Buffer.from(got!.body.stdout, "base64").toString()).toBe("called back\n");
    expect(got!.body.status).toEqual({ id: 3, description: "Accepted" });
    const refused = await call("/submissions", { body: { source_code: "print(1)", language_id: 71, callback_url: "http://example.com/hook" } });
    expect(refused).toEqual({ status: 422, body: { callback_url: ["host 'example.com' is not allowed by the http allowlist"] } });
  });
});

describe("batches", () => {
  it("POST /submissions/batch answers a token per valid submission and the errors of the others", async () => {
    const res = await call("/submissions/batch", {
      body: {
        submissions: [
          { language_id: 71, source_code: 'print("hello from Python")' },
          { language_id: 123456789, source_code: 'print("hello from Python")' },
          { language_id: 72, source_code: "" },
          { language_id: 63, source_code: 'console.log("hello from JavaScript")' },
        ],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body[1]).toEqual({ language_id: ["language with id 123456789 doesn't exist"] });
    expect(res.body[2]).toEqual({ source_code: ["can't be blank"] });
    const tokens = [res.body[0].token, res.body[3].token];
    for (const t of tokens) await poll(t);
    const got = await call(`/submissions/batch?tokens=${tokens.join(",")},00000000-0000-0000-0000-000000000000&fields=token,stdout,status_id,language_id`);
    expect(got).toEqual({
      status: 200,
      body: {
        submissions: [
          { token: tokens[0], stdout: "hello from Python\n", status_id: 3, language_id: 71 },
          { token: tokens[1], stdout: "hello from JavaScript\n", status_id: 3, language_id: 63 },
          null,
        ],
      },
    });
  });

  it("answers 422 when no submission in the batch is valid", async () => {
    const res = await call("/submissions/batch", { body: { submissions: [{ language_id: 71 }] } });
    expect(res).toEqual({ status: 422, body: [{ source_code: ["can't be blank"] }] });
  });
});

describe("errors, in Judge0's shapes", () => {
  it("422 {field: [message]} for invalid submissions", async () => {
    expect(await call("/submissions", { body: { source_code: "print(1)" } })).toEqual({ status: 422, body: { language_id: ["can't be blank"] } });
    expect(await call("/submissions", { body: { source_code: "print(1)", language_id: 150000, stdin: "world" } })).toEqual({
      status: 422,
      body: { language_id: ["language with id 150000 doesn't exist"] },
    });
    expect(await call("/submissions", { body: { source_code: "print(1)", language_id: 71, wall_time_limit: 100000, memory_limit: 1000, cpu_time_limit: "soon" } })).toEqual({
      status: 422,
      body: { cpu_time_limit: ["is not a number"], wall_time_limit: ["must be less than or equal to 20.0"], memory_limit: ["must be greater than or equal to 2048"] },
    });
    expect(await call("/submissions?base64_encoded=true", { body: { source_code: "not base64!", language_id: 71 } })).toEqual({
      status: 422,
      body: { source_code: ["is not valid Base64 of UTF-8 text (base64_encoded=true)"] },
    });
    expect((await call("/submissions", { body: { source_code: "print(1)", language_id: 71, enable_network: true } })).body).toEqual({ enable_network: ["enabling network is not allowed"] });
  });

  it("400 {error} for batch sizes, wait on a batch, unknown fields and bad JSON", async () => {
    const one = { language_id: 71, source_code: "print(1)" };
    expect(await call("/submissions/batch", { body: { submissions: Array(21).fill(one) } })).toEqual({
      status: 400,
      body: { error: "number of submissions in a batch should be less than or equal to 20" },
    });
    expect(await call("/submissions/batch", { body: { submissions: [] } })).toEqual({ status: 400, body: { error: "there should be at least one submission in a batch" } });
    expect(await call("/submissions/batch?wait=true", { body: { submissions: [one] } })).toEqual({ status: 400, body: { error: "wait not allowed" } });
    expect(await call("/submissions/batch?tokens=")).toEqual({ status: 400, body: { error: "there should be at least one submission in a batch" } });
    expect(await call("/submissions?fields=stdout,bogus,nope", { body: one })).toEqual({ status: 400, body: { error: "invalid fields: [bogus, nope]" } });
    const bad = await call("/submissions", { raw: "{not json" });
    expect(bad.status).toBe(400);
    expect(typeof bad.body.error).toBe("string");
  });

  it("404 for an unknown token, 401 without a token", async () => {
    expect(await call("/submissions/00000000-0000-0000-0000-000000000000")).toEqual({ status: 404, body: { error: "Not Found", status: 404 } });
    const anonymous = await call("/statuses", { as: null });
    expect(anonymous.status).toBe(401);
    expect(typeof anonymous.body.error).toBe("string");
  });
});

describe("shutdown", () => {
  it("stops cleanly on SIGTERM, the consumer loop included", async () => {
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
