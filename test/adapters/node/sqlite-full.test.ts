/** A full disk under the SQLite stores (a file capped with max_page_count): a clear refusal, nothing half-written, and reads still work. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { SqliteKvStore } from "../../../src/adapters/node/sqlite-kv-store.ts";
import { SqlitePlatformStore } from "../../../src/adapters/node/sqlite-platform-store.ts";
import { HostCallError, RequestError } from "../../../src/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "kiln-full-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("refuses a deploy on a full disk with a 503 unavailable, and keeps what was deployed", async () => {
  using store = new SqlitePlatformStore(join(dir, "platform.sqlite"), { maxPages: 40 });
  await store.createTenant({ id: "t1", name: "t1", grants: { httpAllow: [], kvMaxKeys: 10 }, createdAt: 1 });
  const spec = (n: number) => ({ language: "javascript", code: `export default () => ${n} // ${"x".repeat(20_000)}`, grants: {} });
  let deployed = 0;
  let refusal: unknown;
  for (; deployed < 100; deployed++) {
    refusal = await store.deployScript("t1", "big", spec(deployed)).then(() => undefined, (e) => e);
    if (refusal) break;
  }
  expect(refusal).toBeInstanceOf(RequestError);
  expect(refusal).toMatchObject({ code: "unavailable", status: 503 });
  expect(deployed).toBeGreaterThan(0);
  expect((await store.getActiveScript("t1", "big"))?.version).toBe(deployed);
});

it("answers a kv write on a full disk as a failed HostError, and keeps what was stored", async () => {
  using store = new SqliteKvStore(join(dir, "kv.sqlite"), { maxPages: 40 });
  let stored = 0;
  let refusal: unknown;
  for (; stored < 100; stored++) {
    refusal = await store.set("ns", `k${stored}`, "v".repeat(20_000), { expiresAt: null, maxKeys: 1000 }).then(() => undefined, (e) => e);
    if (refusal) break;
  }
  expect(refusal).toBeInstanceOf(HostCallError);
  expect(refusal).toMatchObject({ code: "failed" });
  expect(stored).toBeGreaterThan(0);
  expect(await store.get("ns", "k0")).toBe("v".repeat(20_000));
  expect(await store.get("ns", `k${stored}`)).toBeUndefined();
});
