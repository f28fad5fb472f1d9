/**
 * The server log on the real Node server (pino, JSON lines): each request gets an id (the caller's
 * sane `X-Request-Id`, else a new UUID), answered in its `X-Request-Id` header, written in its
 * completed-request line (method, route pattern, status, ms), and carried by its run's events on the
 * tenant's log stream. KILN_LOG_LEVEL=warn leaves the request lines out.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, ROOT, startKiln } from "../helpers/kiln-process.ts";

type Kiln = { base: string; token: string; child: ChildProcess; lines: Record<string, unknown>[] };
let kiln: Kiln;
let quiet: Kiln;

const ENV = { KILN_DB_PATH: ":memory:", KILN_WORKERS: "1", KILN_SPARE_WORKERS: "0", KILN_WARM_UP: "" };

/** Gathers the JSON lines a server writes to stdout from now on. */
function gather(child: ChildProcess): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  let rest = "";
  child.stdout!.on("data", (d) => {
    const parts = (rest + String(d)).split("\n");
    rest = parts.pop()!;
    for (const line of parts) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return lines;
}

/** A server at KILN_LOG_LEVEL=warn: it logs neither where it listens nor its tokens, so it gets a port, and its tokens come from GET /dev/token. */
async function startQuiet(): Promise<Kiln> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/adapters/node/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, ...ENV, PORT: String(port), KILN_HOST: "127.0.0.1", KILN_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = gather(child);
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    const res = await fetch(`${base}/dev/token`).catch(() => undefined);
    if (res?.ok) return { base, token: ((await res.json()) as { tenantToken: string }).tenantToken, child, lines };
    if (child.exitCode !== null) throw new Error(`kiln exited (${child.exitCode})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  const started = await startKiln(ENV);
  kiln = { ...started, lines: gather(started.child) };
  quiet = await startQuiet();
}, 240_000);
afterAll(() => {
  kiln?.child.kill("SIGTERM");
  quiet?.child.kill("SIGTERM");
});

function run(k: Kiln, headers: Record<string, string> = {}, code = `export default () => { console.log("hello"); return 42 }`) {
  return fetch(`${k.base}/v1/run`, {
    method: "POST",
    headers: { authorization: `Bearer ${k.token}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ language: "javascript", code, input: null }),
  });
}

/** Follows the tenant's log stream, gathering each event's parsed data, until `stop`. */
async function follow(k: Kiln) {
  const controller = new AbortController();
  const res = await fetch(`${k.base}/v1/logs/stream`, { headers: { authorization: `Bearer ${k.token}` }, signal: controller.signal });
  expect(res.status).toBe(200);
  const events: { event?: string; data: Record<string, unknown> }[] = [];
  const pump = (async () => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (value.data) events.push({ event: value.event, data: JSON.parse(value.data) as Record<string, unknown> });
    }
  })().catch(() => undefined);
  await expect.poll(() => events.some((e) => e.event === "ready")).toBe(true);
  return { events, stop: () => (controller.abort(), pump) };
}

describe("request ids and the server log", () => {
  it("keeps a caller's sane X-Request-Id: in the answer, the request's log line, and its run's log events", async () => {
    const stream = await follow(kiln);
    const id = `req-${Date.now()}_a=b`;
    const res = await run(kiln, { "x-request-id": id });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(id);
    expect(await res.json()).toMatchObject({ ok: true, result: 42, stdout: "hello\n" });

    await expect.poll(() => kiln.lines.find((l) => l.requestId === id)).toBeDefined();
    const line = kiln.lines.find((l) => l.requestId === id)!;
    expect(line).toMatchObject({ level: "info", msg: "request", method: "POST", route: "/v1/run", status: 200 });
    expect(typeof line.ms).toBe("number");
    expect(new Date(line.time as string).toISOString()).toBe(line.time);

    await expect.poll(() => stream.events.filter((e) => e.data.requestId === id).map((e) => e.data.stream)).toEqual(["stdout", "run"]);
    await stream.stop();
  });

  it("replaces an insane X-Request-Id (spaces, too long) with a new UUID, and gives one to a request without any", async () => {
    for (const sent of ["has spaces; and more", "x".repeat(129), undefined]) {
      const res = await run(kiln, sent === undefined ? {} : { "x-request-id": sent });
      const id = res.headers.get("x-request-id")!;
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      await expect.poll(() => kiln.lines.some((l) => l.requestId === id && l.route === "/v1/run")).toBe(true);
    }
    // A refused request is logged with its status too, by its route pattern.
    const missing = await fetch(`${kiln.base}/v1/scripts/secret-name-${Date.now()}`, { headers: { authorization: `Bearer ${kiln.token}` } });
    expect(missing.status).toBe(404);
    const id = missing.headers.get("x-request-id");
    await expect.poll(() => kiln.lines.find((l) => l.requestId === id)).toMatchObject({ route: "/v1/scripts/:name", status: 404 });
  });

  it("writes no request lines under KILN_LOG_LEVEL=warn, and the server still answers", async () => {
    const res = await run(quiet, { "x-request-id": "quiet-1" });
    expect(await res.json()).toMatchObject({ ok: true, result: 42 });
    // A later answered request proves the first one's line would have been written by now.
    expect((await fetch(`${quiet.base}/healthz`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(quiet.lines.filter((l) => l.level === "info")).toEqual([]);
  });
});
