/**
 * The same app on workerd, Deno and Bun (binaries from npm devDependencies), each booted on a free
 * loopback port and checked with the JavaScript and TypeScript conformance suite over HTTP.
 * Also `npm run test:edge`.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conformance } from "../../conformance/conformance.ts";
import { httpEngine } from "../../helpers/http-engine.ts";

const ROOT = new URL("../../../", import.meta.url);
const bin = (name: string) => new URL(`node_modules/.bin/${name}`, ROOT).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

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

const targets: Record<string, (port: number) => [string, string[], Record<string, string>]> = {
  workerd: (port) => [bin("workerd"), ["serve", "dist/workerd/config.capnp", "--socket-addr", `http=127.0.0.1:${port}`], {}],
  deno: (port) => [bin("deno"), ["run", "--allow-net", "--allow-read", "--allow-env", "src/adapters/deno/main.ts"], { PORT: String(port), KILN_HOST: "127.0.0.1" }],
  bun: (port) => [bin("bun"), ["src/adapters/bun/main.ts"], { PORT: String(port), KILN_HOST: "127.0.0.1" }],
};

const bases: Record<string, string> = {};
const children: ChildProcess[] = [];

beforeAll(async () => {
  execFileSync(process.execPath, ["--import", "tsx", "src/adapters/workerd/build.ts"], { cwd: ROOT, stdio: "pipe" });
  await Promise.all(
    Object.entries(targets).map(async ([name, make]) => {
      const port = await freePort();
      const [command, args, env] = make(port);
      let output = "";
      const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout!.on("data", (d) => (output += d));
      child.stderr!.on("data", (d) => (output += d));
      children.push(child);
      bases[name] = `http://127.0.0.1:${port}`;
      await waitHealthy(bases[name]!, child, () => output);
    }),
  );
}, 120_000);

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

for (const name of Object.keys(targets)) {
  conformance(`${name} over HTTP`, async () => httpEngine(bases[name]!), ["javascript", "typescript"]);

  describe(`${name}: the HTTP contract`, () => {
    it("answers a malformed request with 400 invalid_json", async () => {
      const res = await fetch(`${bases[name]}/v1/run`, { method: "POST", body: "{oops" });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: { code: "invalid_json", message: expect.any(String) } });
    });

    it("lists JavaScript and TypeScript", async () => {
      const body = (await (await fetch(`${bases[name]}/v1/languages`)).json()) as { languages: { name: string }[] };
      expect(body.languages.map((l) => l.name)).toEqual(["javascript", "typescript"]);
    });

    it("serves kv from its in-memory store", async () => {
      const code = `import { kv } from "kiln"; export default async () => { await kv.set("k", "v", null); return kv.get("k") }`;
      const res = await fetch(`${bases[name]}/v1/run`, { method: "POST", body: JSON.stringify({ language: "js", code, grants: { kv: { namespace: "edge" } } }) });
      expect(await res.json()).toMatchObject({ ok: true, result: "v" });
    });
  });
}
