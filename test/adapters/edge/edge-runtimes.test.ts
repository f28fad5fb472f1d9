/**
 * The same app on workerd, Deno and Bun (binaries from npm devDependencies), each booted on a free
 * loopback port and checked with the JavaScript and TypeScript conformance suite over HTTP.
 * Also `npm run test:edge`.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conformance } from "../../conformance/conformance.ts";
import { httpEngine } from "../../helpers/http-engine.ts";
import { componentRuntimesPrepared } from "../../helpers/fixtures.ts";
import { freePort } from "../../helpers/kiln-process.ts";

const ROOT = new URL("../../../", import.meta.url);
const bin = (name: string) => new URL(`node_modules/.bin/${name}`, ROOT).pathname;

async function waitHealthy(base: string, child: ChildProcess, log: () => string): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${log()}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never became healthy: ${log()}`);
}

const kvDir = mkdtempSync(join(tmpdir(), "kiln-workerd-kv-"));
const targets: Record<string, (port: number) => [string, string[], Record<string, string>]> = {
  workerd: (port) => [bin("workerd"), ["serve", "dist/workerd/config.capnp", "--socket-addr", `http=127.0.0.1:${port}`, "--directory-path", `kv-disk=${kvDir}`], {}],
  deno: (port) => [bin("deno"), ["run", "--allow-net", "--allow-read", "--allow-env", "src/adapters/deno/main.ts"], { PORT: String(port), KILN_HOST: "127.0.0.1" }],
  bun: (port) => [bin("bun"), ["src/adapters/bun/main.ts"], { PORT: String(port), KILN_HOST: "127.0.0.1" }],
};

const bases: Record<string, string> = {};
const tokens: Record<string, string> = {};
const children: Record<string, ChildProcess> = {};

/** Boots `name`, retrying on a fresh port if another process took the first one. */
async function boot(name: string, attempt = 0): Promise<void> {
  try {
    await bootOnce(name);
  } catch (e) {
    children[name]?.kill("SIGKILL");
    if (attempt >= 3) throw e;
    await boot(name, attempt + 1);
  }
}

async function bootOnce(name: string): Promise<void> {
  const port = await freePort();
  const [command, args, env] = targets[name]!(port);
  let output = "";
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let sawToken: () => void = () => {};
  const tokenLogged = new Promise<void>((resolve) => (sawToken = resolve));
  const collect = (d: Buffer) => {
    output += d;
    if (/"tenantToken":"[^"]+"/.test(output)) sawToken();
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  children[name] = child;
  bases[name] = `http://127.0.0.1:${port}`;
  await waitHealthy(bases[name]!, child, () => output);
  // workerd builds the app on its first request, so the dev tokens appear after /healthz answered.
  await Promise.race([tokenLogged, new Promise((r) => setTimeout(r, 10_000))]);
  const token = /"tenantToken":"([^"]+)"/.exec(output)?.[1];
  // No token of ours (or an exit) means another process answered on that port.
  if (!token || child.exitCode !== null) throw new Error(`${name} did not start: ${output}`);
  tokens[name] = token;
}

function stop(name: string): Promise<void> {
  const child = children[name]!;
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/** Languages each runtime serves: Deno and Bun also load the Lua, Ruby and Python components prepared by Node. */
const LANGUAGES: Record<string, string[]> = {
  workerd: ["javascript", "typescript"],
  deno: ["javascript", "typescript", "lua", "ruby", "python"],
  bun: ["javascript", "typescript", "lua", "ruby", "python"],
};

beforeAll(async () => {
  execFileSync(process.execPath, ["--import", "tsx", "src/adapters/workerd/build.ts"], { cwd: ROOT, stdio: "pipe" });
  await componentRuntimesPrepared(); // into .kiln/cache, where Deno and Bun look by default
  await Promise.all(Object.keys(targets).map(boot));
}, 120_000);

afterAll(async () => {
  await Promise.all(Object.keys(children).map(stop));
  rmSync(kvDir, { recursive: true, force: true });
});

const post = (name: string, body: unknown) =>
  fetch(`${bases[name]}/v1/run`, { method: "POST", body: JSON.stringify(body), headers: { authorization: `Bearer ${tokens[name]}` } }).then((r) => r.json());

for (const name of Object.keys(targets)) {
  // Without the Node adapter's blocking host thread, components' kv and http calls fail with `failed`.
  conformance(`${name} over HTTP`, async () => httpEngine(bases[name]!, tokens[name]!), LANGUAGES[name], { kvFails: ["lua", "ruby", "python"] });

  describe(`${name}: the HTTP contract`, () => {
    it("answers a malformed request with 400 invalid_json", async () => {
      const res = await fetch(`${bases[name]}/v1/run`, { method: "POST", body: "{oops", headers: { authorization: `Bearer ${tokens[name]}` } });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: { code: "invalid_json", message: expect.any(String) } });
    });

    it("lists its languages", async () => {
      const body = (await (await fetch(`${bases[name]}/v1/languages`, { headers: { authorization: `Bearer ${tokens[name]}` } })).json()) as { languages: { name: string }[] };
      // CEL rules run in QuickJS wherever JavaScript does (test/languages/cel/ covers them); the list keeps languages/index.ts's order.
      expect(body.languages.map((l) => l.name)).toEqual([...LANGUAGES[name]!, "cel", "cel++"]);
    });

    it("serves kv, one namespace apart from another", async () => {
      const set = `import { kv } from "kiln"; export default async () => { await kv.set("k", "v", null); return [await kv.get("k"), await kv.list("", 10)] }`;
      expect(await post(name, { language: "js", code: set, grants: { kv: { namespace: "edge" } } })).toMatchObject({ ok: true, result: ["v", ["k"]] });
      const other = `import { kv } from "kiln"; export default () => kv.get("k")`;
      expect(await post(name, { language: "js", code: other, grants: { kv: { namespace: "elsewhere" } } })).toMatchObject({ ok: true, result: null });
    });

    it("does not grant http", async () => {
      const code = `import { http } from "kiln"; export default async () => { try { await http.fetch("https://example.com/") } catch (e) { return e.code } }`;
      expect(await post(name, { language: "js", code })).toMatchObject({ ok: true, result: "capability_denied" });
      expect(await post(name, { language: "js", code, grants: { http: { allow: ["example.com"] } } })).toMatchObject({ error: { code: "grant_denied" } });
    });
  });
}

describe("workerd: kv in SQLite-backed Durable Objects", () => {
  it("keeps kv across a restart of workerd", async () => {
    const code = `import { kv } from "kiln"; export default async (input) => { if (input) await kv.set("durable", input, null); return kv.get("durable") }`;
    expect(await post("workerd", { language: "js", code, input: "kept", grants: { kv: { namespace: "restart" } } })).toMatchObject({ result: "kept" });
    await stop("workerd");
    await boot("workerd");
    expect(await post("workerd", { language: "js", code, grants: { kv: { namespace: "restart" } } })).toMatchObject({ ok: true, result: "kept" });
  });
});
