import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqlitePlatformStore } from "../../../src/adapters/node/sqlite-platform-store.ts";
import type { Tenant } from "../../../src/platform/platform-store.ts";
import type { RunRecord } from "../../../src/platform/run-history.ts";

const dir = mkdtempSync(join(tmpdir(), "kiln-sqlite-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `${++n}.sqlite`);
const tenant = (id: string, extra: Partial<Tenant> = {}): Tenant => ({ id, name: `name-${id}`, grants: { httpAllow: [], kvMaxKeys: 10 }, createdAt: 1, ...extra });
const record = (tenantId: string, id: string): RunRecord => ({
  id,
  tenantId,
  script: null,
  version: null,
  language: "javascript",
  outcome: "ok",
  kind: "run",
  usage: { fuel: 1, memoryBytes: 1024, wallMs: 1, start: "fresh" },
  startedAt: Date.now(),
  recorded: false,
  stdout: "",
  stderr: "",
  logs: [],
  result: 2,
});
const keep = { maxRuns: 100, maxAgeMs: 86_400_000 };

describe("SqlitePlatformStore", () => {
  const laterThanTheCheck = () => new Promise((r) => setTimeout(r, 300));

  it("sees a tenant changed or deleted through another connection to the file (the CLI's, say) within 250 ms, though it keeps lookups", async () => {
    const path = file();
    using server = new SqlitePlatformStore(path);
    await server.createTenant(tenant("t1"));
    expect((await server.getTenant("t1"))?.quotas).toBeUndefined();
    expect(await server.getTenant("t2")).toBeUndefined();
    {
      using cli = new SqlitePlatformStore(path);
      await cli.updateTenant(tenant("t1", { quotas: { runsPerMinute: 5 } }));
      await cli.createTenant(tenant("t2"));
    }
    await laterThanTheCheck();
    expect((await server.getTenant("t1"))?.quotas).toEqual({ runsPerMinute: 5 });
    expect((await server.getTenant("t2"))?.id).toBe("t2");
    {
      using cli = new SqlitePlatformStore(path);
      await cli.deleteTenant("t1");
    }
    await laterThanTheCheck();
    expect(await server.getTenant("t1")).toBeUndefined();
    // Its own writes too.
    await server.updateTenant(tenant("t2", { scopes: ["run"] }));
    expect((await server.getTenant("t2"))?.scopes).toEqual(["run"]);
  });

  it("writes run history behind the run, yet lists a run as soon as putRun returns, and commits what waits when disposed", async () => {
    const path = file();
    {
      using store = new SqlitePlatformStore(path);
      await store.createTenant(tenant("t1"));
      await store.putRun(record("t1", "r1"), keep);
      expect((await store.getRun("t1", "r1", 0))?.result).toBe(2);
      await store.putRun(record("t1", "r2"), keep);
      await store.putRun(record("t1", "r3"), keep);
      // r2 and r3 wait (the batch commits within 10 ms); the store is closed first.
    }
    using reopened = new SqlitePlatformStore(path);
    expect((await reopened.listRuns("t1", { since: 0, limit: 10 })).map((r) => r.id).sort()).toEqual(["r1", "r2", "r3"]);
  });

  it("trims each tenant in a batch to its retention", async () => {
    using store = new SqlitePlatformStore(file());
    for (let i = 0; i < 20; i++) void store.putRun({ ...record(i % 2 ? "a" : "b", `r${String(i).padStart(2, "0")}`), startedAt: 1_000_000_000_000 + i }, { maxRuns: 3, maxAgeMs: Number.MAX_SAFE_INTEGER });
    expect((await store.listRuns("a", { since: 0, limit: 10 })).map((r) => r.id)).toEqual(["r19", "r17", "r15"]);
    expect((await store.listRuns("b", { since: 0, limit: 10 })).map((r) => r.id)).toEqual(["r18", "r16", "r14"]);
  });

  it("with background checkpoints, copies the write-ahead log into the database from its own thread", async () => {
    const path = file();
    using store = new SqlitePlatformStore(path, { backgroundCheckpoints: true });
    await store.createTenant(tenant("t1"));
    const before = statSync(path).size;
    for (let i = 0; i < 300; i++) await store.putRun({ ...record("t1", `r${i}`), stdout: "x".repeat(2000) }, keep);
    await store.getRun("t1", "r0", 0);
    // The main connection does not checkpoint: 300 runs of 2 KB stay in the log for now.
    expect(statSync(path).size).toBe(before);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(300 * 2000);
    await expect.poll(() => statSync(path).size, { timeout: 5000, interval: 100 }).toBeGreaterThan(before + 100 * 2000);
    expect((await store.listRuns("t1", { since: 0, limit: 1000 })).length).toBe(100);
  });
});
