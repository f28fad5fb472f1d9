/**
 * The same app on workerd, Deno and Bun (binaries from npm devDependencies), each booted on a free
 * loopback port and checked with the conformance suite over HTTP, for the languages README's table
 * ("Where it runs") says each serves: the test list is read from that table, so they cannot disagree.
 * Also `npm run test:edge`.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conformance } from "../../conformance/conformance.ts";
import { httpEngine } from "../../helpers/http-engine.ts";
import { componentRuntimesPrepared } from "../../helpers/fixtures.ts";
import { freePort } from "../../helpers/kiln-process.ts";
import { languages } from "../../../languages/index.ts";

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
/** Deno's and Bun's durable state (Deno KV, a SQLite file), kept across the restart below. */
const dataDir = mkdtempSync(join(tmpdir(), "kiln-edge-data-"));
const targets: Record<string, (port: number) => [string, string[], Record<string, string>]> = {
  workerd: (port) => [bin("workerd"), ["serve", "dist/workerd/config.capnp", "--socket-addr", `http=127.0.0.1:${port}`, "--directory-path", `kv-disk=${kvDir}`], {}],
  deno: (port) => [
    bin("deno"),
    ["run", "--unstable-kv", "--allow-net", "--allow-read", "--allow-write", "--allow-env", "--allow-sys=hostname", "src/adapters/deno/main.ts"],
    { PORT: String(port), KILN_HOST: "127.0.0.1", KILN_DENO_KV_PATH: join(dataDir, "deno", "kiln.denokv") },
  ],
  bun: (port) => [bin("bun"), ["src/adapters/bun/main.ts"], { PORT: String(port), KILN_HOST: "127.0.0.1", KILN_DB_PATH: join(dataDir, "bun", "kiln.sqlite") }],
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

/**
 * README's table "Where it runs": per runtime (its first word, lower-cased), the languages its
 * `languages` cell names (a language's name, or "your components"; a parenthesis is a remark), in
 * languages/index.ts's order, and whether its `components' kv` cell says yes. A name the table uses
 * that is no language fails here, so the table cannot claim what the test does not run.
 */
function readmeRuntimes(readme: string): Record<string, { languages: string[]; componentKv: boolean }> {
  const section = readme.split(/^## Where it runs$/m)[1]!.split(/^## /m)[0]!;
  const rows = section.split("\n").filter((line) => line.startsWith("|")).map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim()));
  const [header, , ...body] = rows;
  const column = (name: string) => header!.findIndex((cell) => cell.replace(/`/g, "") === name);
  const [langs, kv] = [column("languages"), column("components' kv")];
  if (langs < 0 || kv < 0) throw new Error("README's table lost its `languages` or `components' kv` column");
  const known = new Map(languages.map((l) => [l.language.name, l.language.name]));
  known.set("your components", "component");
  return Object.fromEntries(
    body.map((row) => {
      const names = row[langs]!.replace(/\([^)]*\)/g, "").split(",").map((n) => n.trim().toLowerCase()).filter(Boolean);
      const unknown = names.filter((n) => !known.has(n));
      if (unknown.length) throw new Error(`README's table names no language: ${unknown.join(", ")}`);
      const served = new Set(names.map((n) => known.get(n)!));
      return [row[0]!.split(/\s+/)[0]!.toLowerCase().replace("cloudflare", "workerd"), { languages: languages.map((l) => l.language.name).filter((n) => served.has(n)), componentKv: /^yes\b/i.test(row[kv]!) }];
    }),
  );
}
const TABLE = readmeRuntimes(readFileSync(new URL("README.md", ROOT), "utf8"));
const LANGUAGES = Object.fromEntries(Object.keys(targets).map((name) => [name, TABLE[name]!.languages]));
const COMPONENT_LANGUAGES = languages.filter((l) => l.engine === "component").map((l) => l.language.name);

beforeAll(async () => {
  // Asynchronous, so the test worker keeps answering vitest while the Worker (with its component runtimes) builds.
  await promisify(execFile)(process.execPath, ["--import", "tsx", "src/adapters/workerd/build.ts"], { cwd: ROOT });
  await componentRuntimesPrepared(); // into .kiln/cache, where Deno and Bun look by default
  await Promise.all(Object.keys(targets).map(boot));
  // Deno and Bun check and prepare an uploaded component with jco in their serving thread: seconds alone,
  // minutes on a loaded 2-core machine, so the conformance fixture is uploaded here, under this hook's
  // timeout, rather than under its first case's (the conformance's own upload then finds it stored).
  const fixture = new Blob([readFileSync(new URL("test/fixtures/components/conformance.component.wasm", ROOT))]);
  await Promise.all(
    Object.keys(targets)
      .filter((name) => TABLE[name]!.languages.includes("component"))
      .map(async (name) => {
        const res = await fetch(`${bases[name]}/v1/components`, { method: "POST", body: fixture, headers: { authorization: `Bearer ${tokens[name]}`, "content-type": "application/wasm" } });
        expect([name, res.status]).toEqual([name, 201]);
      }),
  );
}, 600_000);

afterAll(async () => {
  await Promise.all(Object.keys(children).map(stop));
  rmSync(kvDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (name: string, body: unknown) =>
  fetch(`${bases[name]}/v1/run`, { method: "POST", body: JSON.stringify(body), headers: { authorization: `Bearer ${tokens[name]}` } }).then((r) => r.json());

for (const name of Object.keys(targets)) {
  // Where the table says components' kv is not served (no blocking host), their kv calls must fail with `failed`.
  conformance(`${name} over HTTP`, async () => httpEngine(bases[name]!, tokens[name]!), LANGUAGES[name], { kvFails: TABLE[name]!.componentKv ? [] : COMPONENT_LANGUAGES });

  describe(`${name}: the HTTP contract`, () => {
    it("answers a malformed request with 400 invalid_json", async () => {
      const res = await fetch(`${bases[name]}/v1/run`, { method: "POST", body: "{oops", headers: { authorization: `Bearer ${tokens[name]}` } });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: { code: "invalid_json", message: expect.any(String) } });
    });

    it("lists its languages", async () => {
      const body = (await (await fetch(`${bases[name]}/v1/languages`, { headers: { authorization: `Bearer ${tokens[name]}` } })).json()) as { languages: { name: string }[] };
      // CEL rules run in QuickJS wherever JavaScript does (test/languages/cel/ covers them); the list keeps languages/index.ts's order.
      const listed = new Set([...LANGUAGES[name]!, "cel", "cel++"]);
      expect(body.languages.map((l) => l.name)).toEqual(languages.map((l) => l.language.name).filter((n) => listed.has(n)));
    });

    it("serves kv, one namespace apart from another", async () => {
      const set = `import { kv } from "kiln"; export default async () => { await kv.set("k", "v", null); return [await kv.get("k"), await kv.list("", 10)] }`;
      expect(await post(name, { language: "js", code: set, grants: { kv: { namespace: "edge" } } })).toMatchObject({ ok: true, result: ["v", ["k"]] });
      const other = `import { kv } from "kiln"; export default () => kv.get("k")`;
      expect(await post(name, { language: "js", code: other, grants: { kv: { namespace: "elsewhere" } } })).toMatchObject({ ok: true, result: null });
    });

    it("serves the playground: its page and the versioned assets it names", async () => {
      const page = await fetch(`${bases[name]}/`);
      expect([page.status, page.headers.get("content-type")]).toEqual([200, expect.stringContaining("text/html")]);
      const html = await page.text();
      expect(html).toContain('id="kiln-limits"');
      const assets = [...html.matchAll(/(?:src|href)="(\/playground\/[^"]+)"/g)].map((m) => m[1]!);
      expect(assets.map((a) => a.split("?")[0])).toEqual(expect.arrayContaining(["/playground/playground.js", "/playground/playground.css"]));
      for (const asset of assets) {
        const res = await fetch(`${bases[name]}${asset}`);
        expect([asset, res.status, res.headers.get("content-type")]).toEqual([asset, 200, expect.stringMatching(asset.includes(".css") ? /text\/css/ : /javascript/)]);
        expect((await res.text()).length).toBeGreaterThan(100);
      }
    });

    it.runIf(LANGUAGES[name]!.includes("component"))("refuses what is no component it can run, with 400, and serves on", async () => {
      const upload = (bytes: Uint8Array) =>
        fetch(`${bases[name]}/v1/components`, { method: "POST", body: new Blob([new Uint8Array(bytes)]), headers: { authorization: `Bearer ${tokens[name]}`, "content-type": "application/wasm" } }).then(async (r) => ({ status: r.status, body: await r.json() }));
      expect(await upload(new Uint8Array([0, 0x61, 0x73, 0x6d, 13, 0, 1, 0, 1, 2, 3]))).toMatchObject({ status: 400, body: { error: { code: "invalid_component" } } });
      const sockets = readFileSync(new URL("test/fixtures/components/sockets.component.wasm", ROOT));
      expect(await upload(sockets)).toMatchObject({ status: 400, body: { error: { code: "forbidden_import", message: expect.stringContaining("wasi:sockets") } } });
      expect(await post(name, { language: "js", code: "export default () => 1 + 1" })).toMatchObject({ ok: true, result: 2 });
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

const call = (name: string, path: string, method: string, body?: unknown) =>
  fetch(`${bases[name]}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { authorization: `Bearer ${tokens[name]}` } }).then(async (r) => ({ status: r.status, body: await r.json() }));

describe("README's table", () => {
  it("names every runtime this test boots, and Node", () => {
    expect(Object.keys(TABLE).sort()).toEqual(["bun", "deno", "node", "workerd"]);
  });
});

for (const name of ["deno", "bun"]) {
  describe(`${name}: durable state`, () => {
    it("keeps deploys, kv (from JavaScript and from Lua, Ruby and Python) and callers' components across a kill and a restart", async () => {
      const js = `import { kv } from "kiln"; export default async (input) => { if (input) await kv.set("durable", input, null); return kv.get("durable") }`;
      const grants = { kv: { namespace: `restart-${name}` } };
      expect(await call(name, "/v1/scripts/durable-js", "PUT", { language: "js", code: js, grants })).toMatchObject({ status: 201 });
      expect(await call(name, "/v1/scripts/durable-js/invoke", "POST", "kept")).toMatchObject({ body: { ok: true, result: "kept" } });
      // Each component language writes its own key, read back after the restart.
      const component: Record<string, string> = {
        lua: "function main(input) if input then kiln.kv.set('lua', input) end return kiln.kv.get('lua') end",
        ruby: "def main(input)\n  Kiln::KV.set('ruby', input) if input\n  Kiln::KV.get('ruby')\nend",
        python: "import kiln\ndef main(input):\n    if input:\n        kiln.kv.set('python', input)\n    return kiln.kv.get('python')",
      };
      const served = Object.keys(component).filter((l) => LANGUAGES[name]!.includes(l));
      for (const language of served) {
        expect(await call(name, `/v1/scripts/durable-${language}`, "PUT", { language, code: component[language], grants }), language).toMatchObject({ status: 201 });
        expect(await call(name, `/v1/scripts/durable-${language}/invoke`, "POST", `from ${language}`), language).toMatchObject({ body: { ok: true, result: `from ${language}` } });
      }
      // A caller's component (the README's echo fixture), checked and prepared with jco on upload; after the
      // restart it runs from the stored bytes and the prepared folder in KILN_CACHE_DIR.
      const echo = readFileSync(new URL("test/fixtures/components/echo.component.wasm", ROOT));
      let echoId = "";
      if (LANGUAGES[name]!.includes("component")) {
        const res = await fetch(`${bases[name]}/v1/components`, { method: "POST", body: echo, headers: { authorization: `Bearer ${tokens[name]}`, "content-type": "application/wasm" } });
        const uploaded = (await res.json()) as { id: string; exports: string[] };
        expect([res.status, uploaded.exports]).toEqual([201, ["run"]]);
        echoId = uploaded.id;
        expect(await post(name, { component: echoId, input: { a: 1 } })).toMatchObject({ ok: true, result: { echo: { a: 1 } }, stdout: "hello from C\n" });
      }
      await stop(name);
      await boot(name);
      expect(await call(name, "/v1/scripts/durable-js/invoke", "POST")).toMatchObject({ body: { ok: true, result: "kept" } });
      if (echoId) expect(await post(name, { component: echoId, input: [2] })).toMatchObject({ ok: true, result: { echo: [2] }, stdout: "hello from C\n" });
      for (const language of served) {
        const after = await call(name, `/v1/scripts/durable-${language}/invoke`, "POST");
        expect(after, `${language}: ${JSON.stringify(after.body.error)}`).toMatchObject({ body: { ok: true, result: `from ${language}` } });
      }
      // A benign request on the restarted server.
      expect(await post(name, { language: "js", code: "export default () => 1 + 1" })).toMatchObject({ ok: true, result: 2 });
    }, 180_000);
  });
}
