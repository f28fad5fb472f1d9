/**
 * Nothing acknowledged is lost: a real server (`npm start`'s command) is killed with SIGKILL in the
 * middle of deploys, secret writes and KV writes, restarted on the same SQLite file, and every acknowledged write
 * is there. The CLI shares the file and the keys.
 */
import { execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, startKiln } from "../../helpers/kiln-process.ts";

const dir = mkdtempSync(join(tmpdir(), "kiln-durable-"));
// JavaScript only: no worker starts Ruby or Python, and no spare, so each restart is quick.
const env = { KILN_DB_PATH: join(dir, "kiln.sqlite"), KILN_ADMIN_TOKEN: "durable-admin-token", KILN_WARM_UP: "", KILN_SPARE_WORKERS: "0" };
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function start() {
  return startKiln(env).then((kiln) => {
    children.push(kiln.child);
    return kiln;
  });
}

const call = (base: string, token: string, path: string, method: string, body?: unknown) =>
  fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });

describe("restart durability", () => {
  it("keeps every acknowledged deploy, secret and KV write across a SIGKILL", async () => {
    const first = await start();
    const acked = { deploys: [] as number[], writes: [] as number[], secrets: [] as number[] };
    const kvWrite = (i: number) => `import { kv } from "kiln"; export default () => kv.set("key-${i}", "value-${i}", null)`;
    // Four clients send the 80 writes one after another; the kill comes once 12 are acknowledged, while others are in flight.
    let enoughAcked: () => void = () => {};
    const twelve = new Promise<void>((resolve) => (enoughAcked = resolve));
    const ack = (list: number[], i: number) => {
      list.push(i);
      if (acked.deploys.length + acked.writes.length + acked.secrets.length >= 12) enoughAcked();
    };
    let next = 0;
    const client = async () => {
      for (let i = next++; i < 80; i = next++) {
        try {
          if (i % 3 === 1) {
            const res = await call(first.base, first.token, `/v1/scripts/s${i}`, "PUT", { language: "js", code: `export default () => ${i}` });
            if (res.status === 201) ack(acked.deploys, i);
          } else if (i % 3 === 2) {
            const res = await call(first.base, first.token, `/v1/secrets/SEC${i}`, "PUT", { value: `secret-${i}` });
            if (res.ok) ack(acked.secrets, i);
          } else {
            const res = await call(first.base, first.token, "/v1/run", "POST", { language: "js", code: kvWrite(i), grants: { kv: { namespace: "d" } } });
            if (res.status === 200 && (await res.json()).ok) ack(acked.writes, i);
          }
        } catch {
          return; // cut off by the kill: not acknowledged, and the server is gone
        }
      }
    };
    const traffic = Array.from({ length: 4 }, client);
    await Promise.race([twelve, Promise.all(traffic)]);
    first.child.kill("SIGKILL");
    await Promise.all(traffic);
    const total = acked.deploys.length + acked.writes.length + acked.secrets.length;
    expect(total).toBeGreaterThanOrEqual(12);
    expect(total).toBeLessThan(80);
    expect(acked.secrets.length).toBeGreaterThan(0);

    const second = await start();
    for (const i of acked.deploys) {
      const res = await call(second.base, second.token, `/v1/scripts/s${i}/invoke`, "POST");
      expect((await res.json()).result, `deploy ${i}`).toBe(i);
    }
    const readAll = `import { kv } from "kiln"; export default async () => Object.fromEntries(await Promise.all((await kv.list("key-", 1000)).map(async (k) => [k, await kv.get(k)])))`;
    const stored = (await (await call(second.base, second.token, "/v1/run", "POST", { language: "js", code: readAll, grants: { kv: { namespace: "d" } } })).json()).result;
    for (const i of acked.writes) expect(stored[`key-${i}`], `write ${i}`).toBe(`value-${i}`);
    const names = acked.secrets.map((i) => `SEC${i}`);
    const readSecrets = `import { secrets } from "kiln"; export default () => Object.fromEntries(${JSON.stringify(names)}.map((n) => [n, secrets.get(n)]))`;
    const sealed = (await (await call(second.base, second.token, "/v1/run", "POST", { language: "js", code: readSecrets, grants: { secrets: names } })).json()).result;
    for (const i of acked.secrets) expect(sealed[`SEC${i}`], `secret ${i}`).toBe(`secret-${i}`);

    // The CLI works on the same file with the same keys: its token is accepted by the running server.
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "src/adapters/node/cli.ts", "tenant", "create", "from-cli"], { cwd: ROOT, env: { ...process.env, ...env } });
    const { token } = JSON.parse(stdout) as { token: string };
    const res = await call(second.base, token, "/v1/run", "POST", { language: "js", code: "export default () => 'cli tenant'" });
    expect((await res.json()).result).toBe("cli tenant");
    const forbidden = await call(second.base, token, `/v1/scripts/s${acked.deploys[0] ?? 1}`, "GET");
    expect(forbidden.status).toBe(404);
  });
});
