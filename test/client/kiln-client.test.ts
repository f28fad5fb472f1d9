/**
 * The typed client (`kiln/client`) against a real server started as `npm start` starts it. The client's
 * types are written by hand: each response is compared with a literal that `satisfies` its type, so
 * tsc fails on a field the type lacks or misses, and the test fails on a field the server adds or drops.
 */
import { execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createKilnClient, KilnError, type Component, type InvokeResult, type IssuedToken, type KilnClient, type LanguageInfo, type LogEvent, type RunResult, type RunStreamEvent, type ScriptVersion, type ScriptWithCode, type Tenant } from "kiln/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, ROOT, startKiln } from "../helpers/kiln-process.ts";

/** Every request the clients in this file sent, as "METHOD /path", to hold against the OpenAPI document at the end. */
const sent = new Set<string>();
const recording: typeof fetch = (input, init) => {
  sent.add(`${init?.method ?? "GET"} ${new URL(String(input)).pathname}`);
  return fetch(input, init);
};
const client = (token?: string) => createKilnClient({ url: base, fetch: recording, ...(token !== undefined && { token }) });

const usage = { fuel: expect.any(Number), memoryBytes: expect.any(Number), wallMs: expect.any(Number), start: expect.any(String) };
const dataDir = mkdtempSync(join(tmpdir(), "kiln-client-"));
let server: ChildProcess;
let base = "";
let kiln: KilnClient;
let adminToken = "";
let tenantToken = "";
const exec = promisify(execFile);
beforeAll(async () => {
  const started = await startKiln({ KILN_DB_PATH: join(dataDir, "kiln.sqlite"), KILN_WORKERS: "1", KILN_SPARE_WORKERS: "0", KILN_WARM_UP: "" });
  server = started.child;
  base = started.base;
  // The dev route hands a local caller the tokens the server logged.
  const tokens = await client().devTokens();
  adminToken = tokens.adminToken;
  tenantToken = tokens.tenantToken;
  kiln = client(tokens.tenantToken);
});
afterAll(() => {
  server?.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

/** The KilnError a call rejects with. */
async function refusal(call: Promise<unknown>): Promise<KilnError> {
  const e = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(e).toBeInstanceOf(KilnError);
  return e as KilnError;
}

describe("kiln/client", () => {
  it("runs code: a result, or a failure as data", async () => {
    const ok = await kiln.run({ language: "js", code: "export default (i) => { console.log('hi'); return i.a + 1 }", input: { a: 41 } });
    expect(ok).toEqual({ ok: true, result: 42, stdout: "hi\n", stderr: "", logs: [], usage, runId: expect.any(String) } satisfies RunResult);
    const failed = await kiln.run({ language: "js", code: "while (true) {}", limits: { fuel: 50 } });
    expect(failed).toEqual({ ok: false, error: { code: "fuel_exhausted", message: expect.any(String) }, stdout: "", stderr: "", logs: [], usage, runId: expect.any(String) } satisfies RunResult);
  });

  it("streams a run and an invocation: output as it happens, then the result the unstreamed call answers", async () => {
    const request = { language: "js", code: "import { log } from 'kiln'; export default (i) => { console.log('a'); log.write('info', 'l'); console.error('b'); return i.n + 1 }", input: { n: 1 } };
    const events: RunStreamEvent[] = [];
    for await (const event of kiln.runStream(request)) events.push(event);
    const once = await kiln.run(request);
    expect(events.slice(0, -1)).toEqual([
      { event: "stdout", data: { text: "a\n" } },
      { event: "log", data: { level: "info", message: "l" } },
      { event: "stderr", data: { text: "b\n" } },
    ] satisfies RunStreamEvent[]);
    const last = events.at(-1)!;
    expect(last.event).toBe("result");
    const { usage: _u, ...streamed } = last.data as RunResult & Record<string, unknown>;
    const { usage: _v, ...plain } = once as RunResult & Record<string, unknown>;
    expect({ ...streamed, runId: undefined }).toEqual({ ...plain, runId: undefined });
    await kiln.scripts.deploy("streamed", { language: "js", code: "export default (i) => { console.log(i); return 2 }" });
    const invoked: RunStreamEvent<InvokeResult>[] = [];
    for await (const event of kiln.scripts.invokeStream("streamed", 7)) invoked.push(event);
    expect(invoked.map((e) => e.event)).toEqual(["stdout", "result"]);
    expect(invoked[1]!.data).toMatchObject({ ok: true, result: 2, stdout: "7\n", script: { name: "streamed", version: 1 } });
    // A refusal throws before any event.
    const refused = await refusal((async () => {
      for await (const _ of kiln.runStream({ language: "cobol", code: "1" })) expect.fail("no event expected");
    })());
    expect([refused.status, refused.code]).toEqual([400, "unsupported_language"]);
  }, 120_000);

  it("lists the languages", async () => {
    const languages = await kiln.languages();
    const js = languages.find((l) => l.name === "javascript");
    expect(js).toEqual({
      name: "javascript",
      version: expect.any(String),
      aliases: expect.any(Array),
      engine: expect.any(String),
      sourceTypes: ["module", "script"],
      libraries: expect.arrayContaining([{ name: "lodash", version: expect.any(String) }]),
      example: 'export default (input) => "hi " + input.name',
      syntax: "javascript",
    } satisfies LanguageInfo);
  });

  it("deploys, invokes, lists versions, rolls back, reads and deletes a script", async () => {
    const v1 = await kiln.scripts.deploy("pricing", { language: "ts", code: "export default (o: { qty: number }) => o.qty * 10" });
    expect(v1).toEqual({ name: "pricing", version: 1, language: "typescript", grants: {}, limits: null, createdAt: expect.any(String) } satisfies ScriptVersion);
    await kiln.scripts.deploy("pricing", { language: "ts", code: "export default (o: { qty: number }) => o.qty * 12", limits: { fuel: 100 } });
    const invoked = await kiln.scripts.invoke("pricing", { qty: 3 });
    expect(invoked).toEqual({ ok: true, result: 36, stdout: "", stderr: "", logs: [], usage, runId: expect.any(String), script: { name: "pricing", version: 2 } } satisfies InvokeResult);
    const versions = await kiln.scripts.versions("pricing");
    expect(versions).toEqual({ active: 2, versions: [v1, { ...v1, version: 2, limits: { fuel: 100 }, createdAt: expect.any(String) }] });
    expect(await kiln.scripts.rollback("pricing", 1)).toEqual(v1);
    expect((await kiln.scripts.invoke("pricing", { qty: 3 })).script).toEqual({ name: "pricing", version: 1 });
    expect(await kiln.scripts.get("pricing")).toEqual({ ...v1, code: "export default (o: { qty: number }) => o.qty * 10" } satisfies ScriptWithCode);
    expect(await kiln.scripts.version("pricing", 2)).toEqual({ ...v1, version: 2, limits: { fuel: 100 }, createdAt: expect.any(String), code: "export default (o: { qty: number }) => o.qty * 12" });
    // Another test deploys a script of its own: this one is listed with its versions.
    expect((await kiln.scripts.list()).filter((s) => s.name === "pricing")).toEqual([{ name: "pricing", activeVersion: 1, latestVersion: 2, language: "typescript", updatedAt: expect.any(String) }]);
    await kiln.scripts.delete("pricing");
    const gone = await refusal(kiln.scripts.get("pricing"));
    expect({ status: gone.status, code: gone.code, message: gone.message }).toEqual({ status: 404, code: "not_found", message: "No script named 'pricing'" });
  });

  it("sends stdin, args and files with a run", async () => {
    const run = await kiln.run({
      language: "lua",
      code: 'local helper = require("helper")\nprint(io.read("a"):upper(), table.concat(arg, ","), helper.twice(21))',
      stdin: "piped",
      args: ["-v", "x"],
      files: [{ name: "helper.lua", content: "return { twice = function(n) return n * 2 end }" }],
      // A first Lua run on a loaded machine compiles the runtime: room for that.
      limits: { timeoutMs: 20_000 },
    });
    expect(run).toEqual({ ok: true, result: null, stdout: "PIPED\t-v,x\t42\n", stderr: "", logs: [], usage, runId: expect.any(String) });
  });

  it("stores, lists and deletes secrets, and a run reads one it is granted", async () => {
    await kiln.secrets.put("API_KEY", "s3cret");
    expect(await kiln.secrets.list()).toEqual(["API_KEY"]);
    const run = await kiln.run({ language: "js", code: "import { secrets } from 'kiln'; export default () => secrets.get('API_KEY')", grants: { secrets: ["API_KEY"] } });
    expect(run).toMatchObject({ ok: true, result: "s3cret" });
    await kiln.secrets.delete("API_KEY");
    expect(await kiln.secrets.list()).toEqual([]);
  });

  it("uploads a component, describes it, and runs it by id", async () => {
    const bytes = readFileSync(new URL("../fixtures/components/echo.component.wasm", import.meta.url));
    const uploaded = await kiln.components.upload(new Uint8Array(bytes));
    expect(uploaded).toEqual({ id: expect.stringMatching(/^[0-9a-f]{64}$/), imports: expect.any(Array), exports: ["run"], size: bytes.length, createdAt: expect.any(String) } satisfies Component);
    expect(await kiln.components.get(uploaded.id)).toEqual(uploaded);
    expect(await kiln.run({ component: uploaded.id, input: { a: 1 } })).toMatchObject({ ok: true, result: { echo: { a: 1 } } });
    expect(await kiln.components.list()).toEqual([uploaded]);
    await kiln.components.delete(uploaded.id);
    expect(await kiln.components.list()).toEqual([]);
  });

  it("follows the log stream as an async iterator", async () => {
    await kiln.scripts.deploy("chatty", { language: "js", code: "import { log } from 'kiln'; export default () => { log.write('info', 'hello'); console.log('out') }" });
    const stream = kiln.logs.follow({ script: "chatty" });
    expect((await stream.next()).value).toEqual({ event: "ready", data: { tenant: expect.any(String), script: "chatty" } });
    await kiln.scripts.invoke("chatty");
    const events: LogEvent[] = [];
    for await (const e of stream) {
      if (e.event !== "ready") events.push(e.data);
      if (e.event === "run") break;
    }
    const shape = { at: expect.any(String), runId: expect.any(String), script: "chatty", version: 1, requestId: expect.any(String) };
    expect(events).toEqual([
      { ...shape, stream: "log", level: "info", message: "hello" } satisfies LogEvent,
      { ...shape, stream: "stdout", message: "out\n" } satisfies LogEvent,
      { ...shape, stream: "run", language: "javascript", outcome: "ok", usage } satisfies LogEvent,
    ]);
  });

  it("manages tenants and their tokens with the admin token", async () => {
    const admin = client(adminToken);
    const created = await admin.tenants.create("acme", { grants: { http: { allow: ["api.acme.com"] } }, scopes: ["run", "deploy"] });
    const acme = { id: expect.any(String), name: "acme", grants: { http: { allow: ["api.acme.com"] }, kv: { maxKeys: expect.any(Number) } }, scopes: ["run", "deploy"], quotas: {}, createdAt: expect.any(String) } satisfies Tenant;
    expect(created).toEqual({ tenant: acme, token: expect.any(String), expiresAt: expect.any(String) });
    expect(await admin.tenants.get("acme")).toEqual(created.tenant);
    expect(await admin.tenants.get(created.tenant.id)).toEqual(created.tenant);
    expect((await admin.tenants.list()).map((t) => t.name)).toEqual(["acme", "dev"]);
    const issued = await admin.tenants.issueToken("acme", { scopes: ["run"] });
    expect(issued).toEqual({ token: expect.any(String), scopes: ["run"], expiresAt: expect.any(String) } satisfies IssuedToken);
    const runner = client(issued.token);
    expect(await runner.run({ language: "lua", code: "function main() return 1 end" })).toMatchObject({ ok: true, result: 1 });
    // A run-only token cannot deploy.
    expect((await refusal(runner.scripts.deploy("x", { language: "js", code: "1" }))).code).toBe("forbidden");
    expect((await refusal(admin.tenants.create("acme"))).status).toBe(409);
    expect(await admin.tenants.update("acme", { grants: { kv: { maxKeys: 5 } }, quotas: { runsPerMinute: 100 } })).toEqual({
      ...created.tenant,
      grants: { ...created.tenant.grants, kv: { maxKeys: 5 } },
      quotas: { runsPerMinute: 100 },
    });
    await admin.tenants.delete("acme");
    expect((await refusal(runner.run({ language: "js", code: "1" }))).status).toBe(401);
    expect((await refusal(admin.tenants.get("acme"))).status).toBe(404);
  });

  it("throws a typed KilnError for a refused request and for a server it cannot reach", async () => {
    const anonymous = await refusal(client("nope").run({ language: "js", code: "1" }));
    expect({ status: anonymous.status, code: anonymous.code }).toEqual({ status: 401, code: "unauthorized" });
    const bad = await refusal(kiln.run({ language: "cobol", code: "1" }));
    expect({ status: bad.status, code: bad.code }).toEqual({ status: 400, code: "unsupported_language" });
    const nowhere = await refusal(createKilnClient({ url: `http://127.0.0.1:${await freePort()}` }).health());
    expect({ status: nowhere.status, code: nowhere.code }).toEqual({ status: 0, code: "connection_failed" });
  });

  it("hands the dev tokens only to a loopback Host", async () => {
    const get = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL("/dev/token", base);
        const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers: { host } }, (res) => {
          let body = "";
          res.on("data", (d) => (body += d));
          res.on("end", () => resolve({ status: res.statusCode!, body }));
        });
        req.on("error", reject);
        req.end();
      });
    expect((await get(new URL(base).host)).status).toBe(200);
    // A page rebound to 127.0.0.1 by DNS still sends its own name as the Host.
    const rebound = await get("evil.example:80");
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toEqual({ error: { code: "forbidden", message: expect.stringContaining("own machine") } });
  });

  it("runs on Deno and Bun too (fetch and Web streams only)", async () => {
    const probe = fileURLToPath(new URL("client-probe.ts", import.meta.url));
    const env = { ...process.env, KILN_URL: base, KILN_TOKEN: tenantToken, NO_COLOR: "1" };
    const [deno, bun] = await Promise.all([
      // From the project, as a Deno app that depends on kiln would: Deno resolves the client's npm imports from package.json and node_modules.
      exec(join(ROOT, "node_modules/.bin/deno"), ["run", "--allow-net", "--allow-env", "--allow-read", probe], { env, cwd: ROOT }),
      exec(join(ROOT, "node_modules/.bin/bun"), [probe], { env, cwd: tmpdir() }),
    ]);
    for (const { stdout } of [deno, bun]) expect(JSON.parse(stdout)).toEqual({ result: 42, first: "ready", refused: "not_found" });
  });

  it("reads the run history and the tenant's usage, and replays a recorded run", async () => {
    const recorded = await kiln.run({ language: "js", code: "export default () => Math.random() < 2 && Date.now() > 0", record: true });
    const plain = await kiln.run({ language: "js", code: "export default () => 7" });
    const page = await kiln.runs.list({ limit: 1 });
    expect(page.runs.map((r) => r.id)).toEqual([plain.runId]);
    expect(page.cursor).toEqual(expect.any(String));
    const next = await kiln.runs.list({ limit: 1, cursor: page.cursor! });
    expect(next.runs.map((r) => r.id)).toEqual([recorded.runId]);
    expect(await kiln.runs.get(plain.runId)).toMatchObject({ id: plain.runId, result: 7, recorded: false });
    const replayed = await kiln.replay(recorded.runId);
    expect(replayed).toMatchObject({ ok: true, result: true, replay: { identical: true, differences: [] } });
    expect((await refusal(kiln.replay(plain.runId))).code).toBe("not_recorded");
    expect((await refusal(kiln.runs.get("no-such-run"))).status).toBe(404);
    const usage = await kiln.usage();
    expect(usage.minute.runs).toBeGreaterThanOrEqual(3);
  });

  it("covers every operation of the server's OpenAPI document, and calls nothing else (runs last)", async () => {
    expect(await kiln.health()).toEqual({ status: "ok" });
    const document = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => ["get", "put", "post", "patch", "delete"].includes(m))
        .map((m) => ({ name: `${m.toUpperCase()} ${path}`, pattern: new RegExp(`^${m.toUpperCase()} ${path.replace(/\{[^}]+\}/g, "[^/]+")}$`) })),
    );
    // The document itself and its reference page are for people and generators, not for this client.
    // So are the playground and its assets, and `/metrics` is an operator's (admin token, Prometheus text).
    const forPeople = ["GET /openapi.json", "GET /docs", "GET /docs/{asset}", "GET /", "GET /playground/{asset}", "GET /metrics"];
    expect(operations.filter((o) => !forPeople.includes(o.name) && ![...sent].some((call) => o.pattern.test(call))).map((o) => o.name)).toEqual([]);
    expect([...sent].filter((call) => !operations.some((o) => o.pattern.test(call)))).toEqual([]);
  });
});
