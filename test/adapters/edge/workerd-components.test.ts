/**
 * Lua, Python and Ruby on workerd (src/adapters/workerd/): the Worker bundled with the component
 * runtimes as wasm and data modules (bundle-component-runtimes.ts), served by workerd from npm, and
 * driven over HTTP: the languages run, fuel and the memory cap end runs as they do on Node, their `kv`
 * and `secrets` calls are answered (kv through JSPI, jspi-glue.ts, in the Durable Object JavaScript uses
 * too), and the default build stays within Cloudflare's Worker size limit. Part of `npm run test:edge`.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../helpers/kiln-process.ts";
import { DEFAULT_WORKER_COMPONENTS, workerComponentOptions } from "../../../src/adapters/workerd/bundle-component-runtimes.ts";
import { WORKER_SIZE_LIMIT } from "../../../src/adapters/workerd/worker-size.ts";

const execFileAsync = promisify(execFile);
const ROOT = new URL("../../../", import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), "kiln-workerd-components-"));

/** Runs `npm run build:worker` into `out` with `env` (in a child, leaving this process free); returns its exit status and output. */
async function build(out: string, env: Record<string, string>): Promise<{ status: number; output: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ["--import", "tsx", "src/adapters/workerd/build.ts"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, KILN_WORKER_OUT: out, ...env } });
    return { status: 0, output: `${stdout}${stderr}` };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { status: err.code, output: `${err.stdout}${err.stderr}` };
  }
}

let base = "";
let token = "";
let child: ChildProcess | undefined;
let log = "";

beforeAll(async () => {
  // Self-hosted workerd has no size limit: all three languages, past what Cloudflare takes.
  const out = join(scratch, "all");
  const built = await build(out, { KILN_WORKER_LANGUAGES: "lua,python,ruby", KILN_WORKER_SIZE_CHECK: "off" });
  if (built.status !== 0) throw new Error(built.output);
  const kvDir = join(scratch, "kv");
  const port = await freePort();
  mkdirSync(kvDir);
  child = spawn(join(ROOT, "node_modules/.bin/workerd"), ["serve", join(out, "config.capnp"), "--socket-addr", `http=127.0.0.1:${port}`, "--directory-path", `kv-disk=${kvDir}`], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  base = `http://127.0.0.1:${port}`;
  // workerd compiles about 90 MB of wasm modules as it loads the Worker: minutes on a loaded 2-core machine.
  const until = Date.now() + 240_000;
  while (!token && Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`workerd exited: ${log}`);
    // The Worker builds the app, and logs the dev tokens, on its first request.
    await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
    token = /"tenantToken":"([^"]+)"/.exec(log)?.[1] ?? "";
    if (!token) await new Promise((r) => setTimeout(r, 200));
  }
  if (!token) throw new Error(`workerd logged no token: ${log}`);
}, 420_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }
  rmSync(scratch, { recursive: true, force: true });
});

interface RunBody {
  ok: boolean;
  result?: unknown;
  stdout?: string;
  error?: { code: string; message: string };
  usage?: { memoryBytes: number | null; start: string };
}
const run = async (body: Record<string, unknown>): Promise<RunBody> => {
  const res = await fetch(`${base}/v1/run`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as RunBody;
};

describe("workerd: component languages over HTTP", () => {
  it("lists Lua, Python and Ruby beside JavaScript", async () => {
    const res = await fetch(`${base}/v1/languages`, { headers: { authorization: `Bearer ${token}` } });
    const names = ((await res.json()) as { languages: { name: string; engine: string }[] }).languages.map((l) => `${l.name}:${l.engine}`);
    expect(names).toEqual(expect.arrayContaining(["javascript:quickjs", "lua:component", "python:component", "ruby:component"]));
  });

  it("runs Python's print(1+1), twice (the second from the warm pool)", async () => {
    expect(await run({ language: "python", code: "print(1+1)" })).toMatchObject({ ok: true, stdout: "2\n" });
    expect(await run({ language: "python", code: "print(1+1)" })).toMatchObject({ ok: true, stdout: "2\n", usage: { start: "warm" } });
  });

  it("runs a Lua main with its input", async () => {
    expect(await run({ language: "lua", code: 'function main(i) return "hi " .. i.name end', input: { name: "edge" } })).toMatchObject({ ok: true, result: "hi edge" });
  });

  it("runs Ruby", async () => {
    expect(await run({ language: "ruby", code: "def main(i) = i['n'] * 6", input: { n: 7 } })).toMatchObject({ ok: true, result: 42 });
  });

  it("ends an endless loop at its fuel, in each language, then runs a benign script", async () => {
    for (const [language, code] of [["python", "while True: pass"], ["lua", "while true do end"], ["ruby", "loop {}"]]) {
      expect(await run({ language, code, limits: { fuel: 2000 } }), language).toMatchObject({ ok: false, error: { code: "fuel_exhausted" } });
    }
    expect(await run({ language: "lua", code: "function main() return 1 + 1 end" })).toMatchObject({ ok: true, result: 2 });
  });

  it("ends a memory bomb at its cap as memory_exhausted, then runs a benign script", async () => {
    const python = await run({ language: "python", code: 'x = []\nwhile True: x.append("x" * 100000)', limits: { memoryMb: 48 } });
    expect(python).toMatchObject({ ok: false, error: { code: "memory_exhausted" } });
    expect(python.usage!.memoryBytes!).toBeLessThanOrEqual(48 * 2 ** 20);
    const lua = await run({ language: "lua", code: 'local t = {} local s = string.rep("x", 1 << 20) for i = 1, 1e6 do t[i] = s .. i end', limits: { memoryMb: 32, fuel: 1_000_000 } });
    expect(lua).toMatchObject({ ok: false, error: { code: "memory_exhausted" } });
    expect(await run({ language: "python", code: "print(1+1)" })).toMatchObject({ ok: true, stdout: "2\n" });
  });

  it("answers kv from Lua, Python and Ruby through JSPI, in the store JavaScript reads, then runs a benign script", async () => {
    const grants = { kv: { namespace: "jspi" } };
    // Each language sets its key and reads back the one the language before it set: the calls reach one shared store.
    expect(await run({ language: "lua", code: 'function main(i) kiln.kv.set("lua", i) return { kiln.kv.get("lua"), kiln.kv.get("nothing") } end', input: "from lua", grants })).toMatchObject({ ok: true, result: ["from lua"] });
    const python = 'import kiln\ndef main(i):\n    kiln.kv.set("python", i)\n    return [kiln.kv.get("python"), kiln.kv.get("lua"), kiln.kv.list("", 10)]';
    expect(await run({ language: "python", code: python, input: "from python", grants })).toMatchObject({ ok: true, result: ["from python", "from lua", ["lua", "python"]] });
    const ruby = 'def main(i)\n  Kiln::KV.set("ruby", i)\n  [Kiln::KV.get("ruby"), Kiln::KV.get("python")]\nend';
    expect(await run({ language: "ruby", code: ruby, input: "from ruby", grants })).toMatchObject({ ok: true, result: ["from ruby", "from python"] });
    const js = `import { kv } from "kiln"; export default async () => [await kv.get("lua"), await kv.get("python"), await kv.get("ruby")]`;
    expect(await run({ language: "js", code: js, grants })).toMatchObject({ ok: true, result: ["from lua", "from python", "from ruby"] });
    // Many calls in one run, each suspending the guest while the Durable Object answers.
    const loop = 'function main() for n = 1, 40 do kiln.kv.set("k" .. n, tostring(n)) end local s = 0 for n = 1, 40 do s = s + tonumber(kiln.kv.get("k" .. n)) end return s end';
    expect(await run({ language: "lua", code: loop, grants })).toMatchObject({ ok: true, result: 820 });
    // Refusals come back to the guest as they do on Node: no grant, a bad argument.
    expect(await run({ language: "python", code: 'import kiln\ndef main(i):\n    return kiln.kv.get("lua")' })).toMatchObject({ ok: false, error: { code: "guest_error", message: expect.stringContaining("capability_denied") } });
    expect(await run({ language: "lua", code: 'function main() return kiln.kv.set("n", 1) end', grants })).toMatchObject({ ok: false, error: { code: "guest_error", message: expect.stringContaining("invalid_argument") } });
    expect(await run({ language: "lua", code: "function main() return 1 + 1 end" })).toMatchObject({ ok: true, result: 2 });
  });

  it("answers secrets from Lua and Python", async () => {
    const put = await fetch(`${base}/v1/secrets/EDGE_KEY`, { method: "PUT", headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ value: "edge-secret" }) });
    expect(put.status).toBeLessThan(300);
    const grants = { secrets: ["EDGE_KEY"] };
    expect(await run({ language: "lua", code: 'function main() return kiln.secrets.get("EDGE_KEY") == "edge-secret" end', grants })).toMatchObject({ ok: true, result: true });
    expect(await run({ language: "python", code: 'import kiln\ndef main(i):\n    return kiln.secrets.get("EDGE_KEY") == "edge-secret"', grants })).toMatchObject({ ok: true, result: true });
  });

  it("lowers a memory cap above the bundled variants to the server's largest (no 500)", async () => {
    expect(await run({ language: "python", code: "print(1+1)", limits: { memoryMb: 4096 } })).toMatchObject({ ok: true, stdout: "2\n" });
  });
});

describe("workerd: the bundle's size", () => {
  it("builds the default languages within Cloudflare's Worker size limit", async () => {
    const out = join(scratch, "default");
    const built = await build(out, {});
    expect(built.status, built.output).toBe(0);
    const size = JSON.parse(readFileSync(join(out, "size.json"), "utf8")) as { raw: number; languages: string[] };
    expect(size.languages).toEqual(DEFAULT_WORKER_COMPONENTS.languages);
    expect(size.raw).toBeLessThanOrEqual(WORKER_SIZE_LIMIT);
  });

  it("refuses to build a Worker over the limit, naming the way out", async () => {
    const built = await build(join(scratch, "oversize"), { KILN_WORKER_LANGUAGES: "python,ruby" });
    expect(built.status).not.toBe(0);
    expect(built.output).toMatch(/over Cloudflare's 67108864: bundle fewer languages/);
  });

  it("reads the build options, refusing a language or size it cannot build", () => {
    expect(workerComponentOptions({ KILN_WORKER_LANGUAGES: "ruby, lua", KILN_WORKER_MEMORY_MB: "256,64,64" })).toEqual({ languages: ["ruby", "lua"], memoryMb: [64, 256] });
    expect(workerComponentOptions({ KILN_WORKER_LANGUAGES: "none" }).languages).toEqual([]);
    expect(() => workerComponentOptions({ KILN_WORKER_LANGUAGES: "cobol" })).toThrow(/cobol is not a component language/);
    expect(() => workerComponentOptions({ KILN_WORKER_MEMORY_MB: "0" })).toThrow(/not a size in MiB/);
  });
});
