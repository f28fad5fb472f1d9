/**
 * Which top levels are snapshotted: on the instrumented build (dirty-page resets) every script seen
 * twice, however quick its top level; on the plain build only slow ones (a full reset costs more than a
 * quick top level).
 */
import { describe, expect, it } from "vitest";
import { createQuickJSEngine } from "../../../src/quickjs-defaults.ts";
import { slowEnough } from "../../../src/engine/quickjs/slow-code.ts";
import { job, quickjsSnapshotModule, quickjsWasm } from "../../helpers/fixtures.ts";

const TINY = "export default (i) => i.a + 1";

async function starts(options: { instrumented: boolean }): Promise<string[]> {
  // The default threshold (2 ms): the tiny top level is far below it.
  using engine = createQuickJSEngine(await quickjsWasm(), { ...(options.instrumented && { snapshotModule: await quickjsSnapshotModule(), verifyRestores: true }) });
  const out: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await engine.run(job("javascript", TINY, { input: { a: i } }));
    expect(r).toMatchObject({ ok: true, result: i + 1 });
    out.push(r.usage.start ?? "none");
  }
  return out;
}

describe("snapshotting a repeated script", () => {
  it("on the instrumented build, a quick top level seen twice is snapshotted: later runs start warm", async () => {
    expect(await starts({ instrumented: true })).toEqual(["fresh", "fresh", "warm", "warm"]);
  });

  it("on the plain build, a quick top level stays fresh", async () => {
    expect(await starts({ instrumented: false })).toEqual(["fresh", "fresh", "fresh", "fresh"]);
  });

  it("slowEnough: the instrumented build takes any top level, the plain build keeps its bar", () => {
    const quick = { initMs: 0.1, initFuel: 0, tracked: false, memoryBytes: 16 << 20, minInitMs: 2 };
    expect(slowEnough({ ...quick, instrumented: true })).toBe(true);
    expect(slowEnough(quick)).toBe(false);
    expect(slowEnough({ ...quick, initMs: 5, initFuel: 5 })).toBe(true);
  });
});
