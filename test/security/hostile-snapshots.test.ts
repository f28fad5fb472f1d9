/**
 * Hostile JavaScript against QuickJS snapshots: each case runs a script whose handler tries to leave
 * something behind for the next run of the same snapshot (the next caller may be another tenant), then
 * checks that the next run sees the snapshot's state and nothing else. The engine runs on the
 * instrumented build and checks every reset byte for byte against the snapshot. This folder only grows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createQuickJSEngine } from "../../src/quickjs-defaults.ts";
import type { QuickJSEngine } from "../../src/engine/quickjs/quickjs-engine.ts";
import { MemoryKvStore } from "../../src/capabilities/kv-store.ts";
import type { RequestedLimits } from "../../src/limits/run-limits.ts";
import { job, quickjsSnapshotModule, quickjsWasm } from "../helpers/fixtures.ts";

let engine: QuickJSEngine;
beforeAll(async () => {
  engine = createQuickJSEngine(await quickjsWasm(), {
    services: { kv: new MemoryKvStore() },
    snapshotMinInitMs: 0,
    snapshotModule: await quickjsSnapshotModule(),
    verifyRestores: true,
  });
});
afterAll(() => engine.dispose());

/** The top level every case shares: state the handler reads back, so a leak would show. */
const TOP = `
const state = { visits: 0, notes: [] };
const table = new Map([["a", 1]]);
`;
const PROBE = `
export default (input) => {
  if (input.probe) return { visits: state.visits, notes: state.notes.length, table: table.size, extra: globalThis.extra ?? null, proto: ({}).extra ?? null, timers: globalThis.fired ?? null };
  state.visits++;
  state.notes.push("secret of " + input.tenant);
  table.set("secret", input.tenant);
  globalThis.extra = input.tenant;
  Object.prototype.extra = input.tenant;
  return HOSTILE(input);
};`;
const CLEAN = { visits: 0, notes: 0, table: 1, extra: null, proto: null, timers: null };

/** Runs `hostile` (a function of input) as the handler of one script, then probes the same snapshot. */
async function attack(hostile: string, options: { limits?: RequestedLimits } = {}) {
  const code = TOP + `const HOSTILE = ${hostile};` + PROBE;
  // Twice fresh (noted slow on the plain build, then snapshotted on the instrumented one), then from the snapshot.
  for (let i = 0; i < 2; i++) await engine.run(job("javascript", code, { input: { probe: true } }));
  const attacked = await engine.run(job("javascript", code, { input: { tenant: "tenant-a" }, limits: options.limits }));
  const probe = await engine.run(job("javascript", code, { input: { probe: true } }));
  expect(probe).toMatchObject({ ok: true, result: CLEAN });
  return attacked;
}

describe("a handler cannot leave anything for the next run of its snapshot", () => {
  it("state written in globals, module variables, maps and prototypes", async () => {
    expect(await attack("() => 1")).toMatchObject({ ok: true, usage: { start: "warm" } });
  });

  it("a timer armed with a secret that would fire later", async () => {
    const out = await attack('(input) => { setTimeout(() => { globalThis.fired = input.tenant }, 1e9); setInterval(() => {}, 1); return 1 }');
    expect(out).toMatchObject({ ok: true });
  });

  it("a pending promise chain holding a secret", async () => {
    const out = await attack('(input) => { new Promise(() => {}).then(() => { globalThis.fired = input.tenant }); Promise.resolve().then(() => Promise.resolve(input.tenant)); return 1 }');
    expect(out).toMatchObject({ ok: true });
  });

  it("a FinalizationRegistry and WeakRef that would call back later", async () => {
    const out = await attack('(input) => { const r = new FinalizationRegistry(() => { globalThis.fired = input.tenant }); r.register({}, 1); globalThis.ref = new WeakRef({ s: input.tenant }); return 1 }');
    expect(out).toMatchObject({ ok: true });
  });

  it("running out of fuel halfway through rewriting shared state", async () => {
    const out = await attack('(input) => { for (let i = 0; ; i++) { state.notes.push(input.tenant + i); if (state.notes.length > 1000) state.notes.length = 0 } }', { limits: { fuel: 300 } });
    expect(out).toMatchObject({ ok: false, error: { code: "fuel_exhausted" } });
  });

  it("running out of memory", async () => {
    const out = await attack('(input) => { const a = []; for (;;) a.push({ s: input.tenant, n: a.length }) }', { limits: { memoryMb: 64 } });
    expect(out, JSON.stringify(out)).toMatchObject({ ok: false, error: { code: "memory_exhausted" } });
  });

  it("overflowing the stack", async () => {
    const out = await attack("function deep(n) { return deep(n + 1) + 1 }");
    expect(out).toMatchObject({ ok: false, error: { code: "guest_error" } });
  });

  it("growing memory a lot and then succeeding (the growth is zeroed)", async () => {
    const out = await attack('(input) => { const keep = []; for (let i = 0; i < 100000; i++) keep.push(input.tenant + i); return keep.length }');
    expect(out).toMatchObject({ ok: true, result: 100000 });
  });

  it("replacing the builtins the host reads results with", async () => {
    const out = await attack('(input) => { JSON.stringify = () => "\\"forged\\""; JSON.parse = () => ({ forged: true }); Object.prototype.toJSON = () => "forged"; return 1 }');
    expect(out).toMatchObject({ ok: true });
  });
});

describe("what never goes into a snapshot", () => {
  it("a top level that read a secret or any other host answer", async () => {
    const code = 'import { secrets } from "kiln";\nconst key = secrets.get("api");\nexport default () => key';
    const grants = { secrets: { api: "s3cr3t" } };
    for (let i = 0; i < 3; i++) {
      const out = await engine.run(job("javascript", code, { grants }));
      expect(out).toMatchObject({ ok: true, result: "s3cr3t", usage: { start: "fresh" } });
    }
  });

  it("a top level that drew random numbers (they would repeat in every run)", async () => {
    const code = "const token = Math.random().toString(36);\nexport default () => token";
    const tokens = new Set<unknown>();
    for (let i = 0; i < 3; i++) {
      const out = await engine.run(job("javascript", code));
      expect(out.usage.start).toBe("fresh");
      if (out.ok) tokens.add(out.result);
    }
    expect(tokens.size).toBe(3);
  });
});
