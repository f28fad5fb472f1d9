/**
 * Two Kiln nodes on one redis-server share the Judge0 submission queue: submissions accepted on node A
 * finish on node B while A is down (A is killed with SIGKILL right after accepting them; what A had
 * claimed is taken over by B once A's lease runs out).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, startKiln } from "../../helpers/kiln-process.ts";
import { hasService } from "../../helpers/services.ts";

const withRedis = hasService("redis-server", "redis-server", "the multi-node submission test");
const dir = mkdtempSync(join(tmpdir(), "kiln-subnodes-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function startRedis(port: number): Promise<void> {
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (/Ready to accept connections/.test(out)) resolve();
    });
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
}

const judge0 = (base: string, token: string, path: string, body?: unknown) =>
  fetch(`${base}/judge0${path}`, { method: body === undefined ? "GET" : "POST", headers: { "x-auth-token": token, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));

describe.runIf(withRedis)("submissions across nodes on Redis", () => {
  it("runs on node B what node A accepted, while A is down", async () => {
    const port = await freePort();
    await startRedis(port);
    const env = (name: string) => ({
      KILN_REDIS_URL: `redis://127.0.0.1:${port}`,
      KILN_ADMIN_TOKEN: "subnodes-admin-token",
      KILN_JWT_KEY: "shared-jwt-key-".repeat(3),
      KILN_SECRET_KEY: "shared-secret-key-".repeat(3),
      KILN_WORKERS: "1",
      KILN_SPARE_WORKERS: "0",
      KILN_WARM_UP: "",
      KILN_SUBMISSION_LEASE_MS: "1000",
      // A long deadline: on a loaded machine the small loops must not time out.
      KILN_DEFAULT_TIMEOUT_MS: "15000",
      KILN_DB_PATH: join(dir, `${name}.sqlite`),
    });
    const [a, b] = await Promise.all([startKiln(env("a")), startKiln(env("b"))]);
    children.push(a.child, b.child);
    const program = (n: number) => ({ language_id: 63, source_code: `let x = 0; for (let i = 0; i < 2e5; i++) x += i; console.log(${n})` });
    const accepted = await judge0(a.base, a.token, "/submissions/batch", { submissions: Array.from({ length: 20 }, (_, i) => program(i)) });
    expect(accepted.status).toBe(201);
    const tokens: string[] = accepted.body.map((t: { token: string }) => t.token);
    a.child.kill("SIGKILL");
    await new Promise((resolve) => a.child.once("exit", resolve));

    let done: { token: string; status_id: number; stdout: string | null; message: string | null }[] = [];
    while (done.length < tokens.length) {
      const res = await judge0(b.base, b.token, `/submissions/batch?tokens=${tokens.join(",")}&fields=token,status_id,stdout,message`);
      expect(res.status).toBe(200);
      done = res.body.submissions.filter((s: { status_id: number } | null) => s && s.status_id > 2);
      if (done.length < tokens.length) await new Promise((r) => setTimeout(r, 200));
    }
    expect(a.child.exitCode ?? a.child.signalCode).toBe("SIGKILL");
    for (const [n, token] of tokens.entries()) {
      const s = done.find((d) => d.token === token)!;
      expect(s.status_id, `submission ${n}: ${s.message}`).toBe(3);
      expect(s.stdout).toBe(`${n}\n`);
    }
  }, 300_000);
});
