/**
 * The snapshot cache is no side channel between tenants: a tenant's snapshots and warm sessions serve
 * that tenant alone. Were they shared, tenant B's `usage.start` (`warm` or `restored` rather than
 * `fresh`) and timing would tell it that tenant A ran the exact same code recently. This folder only grows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createQuickJSEngine } from "../../src/quickjs-defaults.ts";
import type { QuickJSEngine } from "../../src/engine/quickjs/quickjs-engine.ts";
import { job, quickjsSnapshotModule, quickjsWasm } from "../helpers/fixtures.ts";

let engine: QuickJSEngine;
beforeAll(async () => {
  engine = createQuickJSEngine(await quickjsWasm(), { snapshotMinInitMs: 0, snapshotModule: await quickjsSnapshotModule(), verifyRestores: true });
});
afterAll(() => engine.dispose());

const run = (owner: string, code: string, input: unknown) => engine.run({ ...job("javascript", code, { input }), owner });

/** Runs `code` as `owner` until it starts warm (at most 4 runs), answering the starts seen. */
async function warmUp(owner: string, code: string): Promise<string[]> {
  const starts: string[] = [];
  for (let i = 0; i < 4 && starts.at(-1) !== "warm"; i++) {
    const out = await run(owner, code, { a: i });
    expect(out).toMatchObject({ ok: true, result: i + 1 });
    starts.push(out.usage.start ?? "none");
  }
  return starts;
}

describe("snapshots and warm sessions are kept per tenant", () => {
  it("tenant B's first run of code tenant A just warmed starts fresh", async () => {
    const code = `const table = new Map(Array.from({ length: 2000 }, (_, i) => [i, i * 2]));\nexport default (i) => i.a + 1 + table.size * 0;`;
    expect((await warmUp("tenant-a", code)).at(-1)).toBe("warm");
    const b = await run("tenant-b", code, { a: 41 });
    expect(b).toMatchObject({ ok: true, result: 42, usage: { start: "fresh" } });
    // Tenant A's snapshot is still its own, and still warm.
    expect(await run("tenant-a", code, { a: 1 })).toMatchObject({ ok: true, result: 2, usage: { start: "warm" } });
    // Tenant B warms its own in turn, and reads its own state.
    expect((await warmUp("tenant-b", code)).at(-1)).toBe("warm");
  });

  it("an owner cannot pose as another by a name that ends like a key prefix", async () => {
    const code = `export default (i) => i.a + 1;`;
    expect((await warmUp("x", code)).at(-1)).toBe("warm");
    for (const owner of ["x/", 'x"', "", "x\n"]) {
      expect(await run(owner, code, { a: 1 })).toMatchObject({ ok: true, result: 2, usage: { start: "fresh" } });
    }
    // A benign run on the same engine still succeeds.
    expect(await run("x", code, { a: 2 })).toMatchObject({ ok: true, result: 3 });
  });
});
