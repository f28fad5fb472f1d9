/**
 * No accepted Judge0 submission is lost: a real server (`npm start`'s command) holding 50 accepted
 * asynchronous submissions in its SQLite queue is killed with SIGKILL, restarted on the same file,
 * and every one of them ends with a result (run again, or Internal Error once out of attempts).
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startKiln } from "../../helpers/kiln-process.ts";

const dir = mkdtempSync(join(tmpdir(), "kiln-subdur-"));
// JavaScript only, one worker: the 50 submissions queue up behind each other, and restarts are quick.
const env = { KILN_DB_PATH: join(dir, "kiln.sqlite"), KILN_ADMIN_TOKEN: "subdur-admin-token", KILN_WARM_UP: "", KILN_SPARE_WORKERS: "0", KILN_WORKERS: "1", KILN_DEFAULT_TIMEOUT_MS: "15000" };
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function start() {
  const kiln = await startKiln(env);
  children.push(kiln.child);
  return kiln;
}

const judge0 = (base: string, token: string, path: string, body?: unknown) =>
  fetch(`${base}/judge0${path}`, { method: body === undefined ? "GET" : "POST", headers: { "x-auth-token": token, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));

/** A small program that takes a moment (a loop), then prints its number. */
const program = (n: number) => ({ language_id: 63, source_code: `let x = 0; for (let i = 0; i < 2e5; i++) x += i; console.log(${n})` });

describe("submission durability (SQLite)", () => {
  it("finishes every one of 50 accepted submissions after a SIGKILL and a restart", async () => {
    const first = await start();
    const tokens: string[] = [];
    // Five batches of ten: accepted (201) means stored on disk.
    for (let b = 0; b < 5; b++) {
      const res = await judge0(first.base, first.token, "/submissions/batch", { submissions: Array.from({ length: 10 }, (_, i) => program(b * 10 + i)) });
      expect(res.status).toBe(201);
      tokens.push(...res.body.map((t: { token: string }) => t.token));
    }
    expect(tokens).toHaveLength(50);
    const before = await judge0(first.base, first.token, `/submissions/batch?tokens=${tokens.slice(30).join(",")}&fields=status_id`);
    // The kill comes while the node still holds unfinished submissions.
    expect(before.body.submissions.some((s: { status_id: number }) => s.status_id <= 2)).toBe(true);
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));

    const second = await start();
    const results = new Map<string, { status_id: number; stdout: string | null }>();
    while (results.size < 50) {
      for (let i = 0; i < 50; i += 20) {
        const slice = tokens.slice(i, i + 20);
        const res = await judge0(second.base, second.token, `/submissions/batch?tokens=${slice.join(",")}&fields=token,status_id,stdout`);
        expect(res.status).toBe(200);
        for (const s of res.body.submissions) if (s && s.status_id > 2) results.set(s.token, s);
      }
      if (results.size < 50) await new Promise((r) => setTimeout(r, 200));
    }
    for (const [n, token] of tokens.entries()) {
      const result = results.get(token)!;
      // Run again (Accepted, with its own output), or Internal Error once its attempts ran out: never lost, never wrong.
      expect([3, 13], `submission ${n}`).toContain(result.status_id);
      if (result.status_id === 3) expect(result.stdout).toBe(`${n}\n`);
    }
  }, 300_000);
});
