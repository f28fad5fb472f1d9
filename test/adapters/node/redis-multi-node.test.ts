/**
 * Two Kiln processes sharing one redis-server on 127.0.0.1 (started here; .ci/run installs it):
 * deploys, kv, logs and rate limits cross nodes, and a Redis outage is a clear 503 that heals.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startKiln } from "../../helpers/kiln-process.ts";
import { hasService } from "../../helpers/services.ts";

const withRedis = hasService("redis-server", "redis-server", "the multi-node tests");

const dir = mkdtempSync(join(tmpdir(), "kiln-redis-"));
const ADMIN = "multi-node-admin-token";
const children: ChildProcess[] = [];
let redis: ChildProcess;
let redisPort = 0;
let a = "";
let b = "";
let token = "";

function startRedis(): Promise<ChildProcess> {
  const child = spawn("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (/Ready to accept connections/.test(out)) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
    child.once("error", reject);
  });
}

async function startNode(): Promise<string> {
  const kiln = await startKiln({
    KILN_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    KILN_ADMIN_TOKEN: ADMIN,
    KILN_JWT_KEY: "shared-jwt-key-".repeat(3),
    KILN_SECRET_KEY: "shared-secret-key-".repeat(3),
    KILN_RATE_TENANT_PER_MINUTE: "20",
    KILN_DB_PATH: join(dir, "unused.sqlite"),
  });
  children.push(kiln.child);
  return kiln.base;
}

const call = (base: string, path: string, init: { method?: string; body?: unknown; as?: string } = {}) =>
  fetch(`${base}${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: { authorization: `Bearer ${init.as ?? token}` },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
const json = async (res: Promise<Response>) => {
  const r = await res;
  return { status: r.status, body: (await r.json()) as any };
};

beforeAll(async () => {
  if (!withRedis) return;
  // A free port can be taken by another test's server before redis binds it: try a few.
  for (let attempt = 0; ; attempt++) {
    redisPort = await freePort();
    try {
      redis = await startRedis();
      break;
    } catch (e) {
      if (attempt >= 4) throw e;
    }
  }
  [a, b] = await Promise.all([startNode(), startNode()]);
  const created = await json(call(a, "/v1/tenants", { body: { name: "shared" }, as: ADMIN }));
  token = created.body.token;
}, 120_000);

afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!withRedis)("two nodes on one Redis", () => {
  it("invokes on B a script deployed on A", async () => {
    expect((await json(call(a, "/v1/scripts/hello", { method: "PUT", body: { language: "js", code: "export default (i) => 'hi ' + i.name" } }))).status).toBe(201);
    expect((await json(call(b, "/v1/scripts/hello/invoke", { body: { name: "bee" } }))).body).toMatchObject({ ok: true, result: "hi bee", script: { version: 1 } });
    expect((await json(call(b, "/v1/scripts"))).body.scripts).toEqual([expect.objectContaining({ name: "hello" })]);
  });

  it("reads on B the kv written on A", async () => {
    const grants = { kv: { namespace: "shared" } };
    const write = `import { kv } from "kiln"; export default () => kv.set("from", "node A", null)`;
    const read = `import { kv } from "kiln"; export default async () => [await kv.get("from"), await kv.list("", 10)]`;
    expect((await json(call(a, "/v1/run", { body: { language: "js", code: write, grants } }))).body.ok).toBe(true);
    expect((await json(call(b, "/v1/run", { body: { language: "js", code: read, grants } }))).body.result).toEqual(["node A", ["from"]]);
  });

  it("streams to a client on A the logs of a run on B", async () => {
    const res = await call(a, "/v1/logs/stream");
    const reader = res.body!.getReader();
    let text = "";
    const seen = (async () => {
      while (!/event: log\ndata: .*from node B/.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
        if (text.includes("event: ready") && !text.includes("sent")) {
          text += "sent";
          await call(b, "/v1/run", { body: { language: "js", code: "console.log('from node B')" } });
        }
      }
    })();
    await Promise.race([seen, new Promise((r) => setTimeout(r, 10_000))]);
    await reader.cancel();
    expect(text).toMatch(/event: log\ndata: .*"stream":"stdout".*from node B/);
  });

  it("shares the rate limit between nodes", async () => {
    const limited = (await json(call(a, "/v1/tenants", { body: { name: "limited" }, as: ADMIN }))).body.token;
    const statuses: number[] = [];
    for (let i = 0; i < 24; i++) statuses.push((await call(i % 2 ? a : b, "/v1/run", { body: { language: "js", code: "1" }, as: limited })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.slice(20)).toEqual([429, 429, 429, 429]);
  });

  it("answers 503 while Redis is down and recovers when it returns", async () => {
    redis.kill("SIGKILL");
    await new Promise((r) => redis.once("exit", r));
    const down = await json(call(a, "/v1/scripts/hello/invoke", { body: { name: "x" } }));
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe("unavailable");
    redis = await startRedis();
    const until = Date.now() + 15_000;
    let back = await call(b, "/v1/scripts/hello/invoke", { body: { name: "again" } });
    while (back.status !== 200 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      back = await call(b, "/v1/scripts/hello/invoke", { body: { name: "again" } });
    }
    expect(await back.json()).toMatchObject({ ok: true, result: "hi again" });
  });
});
