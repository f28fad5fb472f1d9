/** QuickJS snapshots: a slow top level runs once; later runs of the same code start from its state, clean. */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";
import { quickjsRuntime } from "../../../src/engine/quickjs/quickjs-artifact.ts";
import { QuickJSInstance } from "../../../src/engine/quickjs/quickjs-instance.ts";
import { QuickJSRun } from "../../../src/engine/quickjs/quickjs-run.ts";
import { QuickJSSession } from "../../../src/engine/quickjs/quickjs-session.ts";
import { captureSnapshot, resetSession, restoreSnapshot } from "../../../src/engine/quickjs/quickjs-snapshot.ts";
import { capturePages, heldPageList } from "../../../src/engine/wasm/memory-snapshot.ts";
import { snapshotBuildId, snapshotKey } from "../../../src/engine/quickjs/snapshot-key.ts";
import { createQuickJSEngine } from "../../../src/quickjs-defaults.ts";
import { MemoryKvStore } from "../../../src/capabilities/kv-store.ts";
import type { QuickJSEngine } from "../../../src/engine/quickjs/quickjs-engine.ts";
import type { RunJob } from "../../../src/engine/engine.ts";
import { job, quickjsSnapshotModule, quickjsWasm } from "../../helpers/fixtures.ts";

let engine: QuickJSEngine | undefined;
afterEach(() => engine?.dispose());

/** A store that answers after a real delay, so runs waiting on it overlap. */
class SlowKvStore extends MemoryKvStore {
  override async get(namespace: string, key: string): Promise<string | undefined> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return super.get(namespace, key);
  }
}

const HEAVY = `
const table = new Map();
for (let i = 0; i < 20000; i++) table.set("k" + i, { id: i, tags: ["a" + (i % 7)] });
console.log("init done", table.size);
export default (input) => ({ size: table.size, hit: table.get(input.key)?.id ?? null });
`;

/**
 * Both ways an engine snapshots: on the plain build (a reset copies all of memory), and with the
 * instrumented build (a reset copies the pages a run wrote; every reset here is checked byte for byte
 * against the snapshot). A slow top level is snapshotted the second time it runs.
 */
describe.each([
  { build: "the plain build (full resets)", tracked: false },
  { build: "the instrumented build (dirty-page resets, verified)", tracked: true },
])("snapshots on $build", ({ tracked }) => {
  /** Fresh runs before a snapshot exists: a slow top level is snapshotted when it is seen the second time. */
  const FRESH = 2;
  const freshRuns = Array.from({ length: FRESH }, () => "fresh");

  /** An engine that snapshots every top level (threshold 0), so small scripts exercise the path. */
  async function snapshotting(options: { warmInstances?: number; snapshotCacheBytes?: number } = {}): Promise<QuickJSEngine> {
    engine = createQuickJSEngine(await quickjsWasm(), {
      services: { kv: new SlowKvStore() },
      snapshotMinInitMs: 0,
      ...(tracked && { snapshotModule: await quickjsSnapshotModule(), verifyRestores: true }),
      ...options,
    });
    return engine;
  }

  /** Runs a job until its snapshot exists; answers the last (fresh) outcome. */
  async function prime(e: QuickJSEngine, j: RunJob) {
    let out;
    for (let i = 0; i < FRESH; i++) {
      out = await e.run(j);
      expect(out.usage.start).toBe("fresh");
    }
    return out!;
  }

describe("a script's top level", () => {
  it("runs the top level once: later runs start warm, with the same result, output and fuel", async () => {
    const e = await snapshotting();
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await e.run(job("javascript", HEAVY, { input: { key: "k42" } })));
    expect(runs.map((r) => r.usage.start)).toEqual([...freshRuns, "warm", "warm", "warm"].slice(0, 4));
    for (const r of runs) {
      expect(r).toMatchObject({ ok: true, result: { size: 20000, hit: 42 }, stdout: "init done 20000\n" });
      expect(r.usage.fuel).toBe(runs[0]!.usage.fuel);
    }
    expect(e.poolStats).toMatchObject({ snapshots: 1, hits: 4 - FRESH, misses: 0 });
  });

  it("restores the snapshot into a new instance when no warm one is idle (concurrent runs)", async () => {
    const e = await snapshotting();
    // The handler waits on the host, so the three runs overlap.
    const code = 'import { kv } from "kiln";\n' + HEAVY.replace("export default (input) => (", "export default async (input) => (await kv.get(input.key), ");
    const grants = { kv: { namespace: "t" }, secrets: {} };
    const first = await prime(e, job("javascript", code, { input: { key: "k1" }, grants }));
    const both = await Promise.all([1, 2, 3].map((n) => e.run(job("javascript", code, { input: { key: "k" + n }, grants }))));
    // The first to start takes the warm session; one at least overlaps it and needs a restored one.
    expect(both.map((r) => r.usage.start)).toContain("restored");
    for (const r of both) expect(["warm", "restored"]).toContain(r.usage.start);
    for (const [i, r] of both.entries()) expect(r).toMatchObject({ ok: true, result: { hit: i + 1 }, stdout: first.stdout });
    expect(both.map((r) => r.usage.fuel)).toEqual([first.usage.fuel, first.usage.fuel, first.usage.fuel]);
  });

  it("keeps nothing of run A for run B: globals, prototypes, module variables, in-memory caches", async () => {
    const e = await snapshotting();
    const code = `
      const cache = new Map();
      let calls = 0;
      export default (input) => {
        calls++;
        const seen = { cache: cache.get("secret") ?? null, global: globalThis.leak ?? null, proto: ({}).polluted ?? null, calls,
          url: new URL("https://a.test/p").href, text: new TextDecoder().decode(new Uint8Array([104, 105])), clone: typeof structuredClone };
        cache.set("secret", input.secret);
        globalThis.leak = input.secret;
        Object.prototype.polluted = input.secret;
        Array.prototype.push = () => 0;
        URL = function () { return { href: input.secret }; };
        TextDecoder.prototype.decode = () => input.secret;
        structuredClone = null;
        return seen;
      };`;
    const clean = { cache: null, global: null, proto: null, calls: 1, url: "https://a.test/p", text: "hi", clone: "function" };
    const a = await e.run(job("javascript", code, { input: { secret: "tenant-a" } }));
    expect(a).toMatchObject({ ok: true, result: clean });
    for (const start of [...freshRuns.slice(1), "warm", "warm"]) {
      const b = await e.run(job("javascript", code, { input: { secret: "tenant-b" } }));
      expect(b).toMatchObject({ ok: true, result: clean, usage: { start } });
    }
  });

  it("draws different Math.random numbers in every run from the same snapshot", async () => {
    const e = await snapshotting();
    const code = "const t = [1, 2, 3].map((x) => x * 2);\nexport default () => [Math.random(), Math.random()]";
    const draws = [];
    for (let i = 0; i < 4; i++) draws.push(JSON.stringify(((await e.run(job("javascript", code))) as { result?: unknown }).result));
    expect(new Set(draws).size).toBe(4);
    expect(e.poolStats.snapshots).toBe(1);
  });

  it("draws different crypto values in every run from the same snapshot, and never snapshots a top level that drew one", async () => {
    const e = await snapshotting();
    const code = "const t = new TextEncoder().encode('warm');\nexport default () => [crypto.randomUUID(), t.length]";
    const draws = [];
    for (let i = 0; i < 4; i++) draws.push(JSON.stringify(((await e.run(job("javascript", code))) as { result?: unknown }).result));
    expect(new Set(draws).size).toBe(4);
    expect(e.poolStats.snapshots).toBe(1);
    const atTop = "const id = crypto.randomUUID();\nexport default () => id";
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const out = await e.run(job("javascript", atTop));
      expect(out.usage.start).toBe("fresh");
      ids.push((out as { result?: unknown }).result);
    }
    expect(new Set(ids).size).toBe(3);
  });

  it("never snapshots a top level that drew a random number or called the host", async () => {
    const e = await snapshotting();
    const random = "const id = Math.random();\nexport default () => id";
    const a = await e.run(job("javascript", random));
    const b = await e.run(job("javascript", random));
    expect(a).toMatchObject({ ok: true });
    expect(a.ok && b.ok && a.result !== b.result).toBe(true);
    const host = 'import { kv } from "kiln";\nconst v = kv.get("k");\nexport default () => v';
    const grants = { kv: { namespace: "t" }, secrets: {} };
    await e.run(job("javascript", host, { grants }));
    expect((await e.run(job("javascript", host, { grants }))).usage.start).toBe("fresh");
    expect(e.poolStats.snapshots).toBe(0);
  });
});

describe("what a run from a snapshot may and may not change", () => {
  it("charges the top level's fuel to every run, and a budget below it fails where a fresh run would", async () => {
    const e = await snapshotting();
    const first = await prime(e, job("javascript", HEAVY, { input: { key: "k1" } }));
    const initFuel = first.usage.fuel! - 1;
    const small = await e.run(job("javascript", HEAVY, { input: { key: "k1" }, limits: { fuel: Math.max(1, initFuel - 2) } }));
    expect(small).toMatchObject({ ok: false, error: { code: "fuel_exhausted" }, usage: { start: "fresh" } });
    const again = await e.run(job("javascript", HEAVY, { input: { key: "k1" } }));
    expect(again).toMatchObject({ ok: true, usage: { start: "warm", fuel: first.usage.fuel } });
  });

  it("drops an instance whose run trapped, and the next run starts from the snapshot again", async () => {
    const e = await snapshotting();
    const code = HEAVY.replace("export default (input) => (", "export default (input) => input.loop ? (() => { for (;;) {} })() : (");
    await prime(e, job("javascript", code, { input: { key: "k1" } }));
    const live = e.liveInstances;
    const trapped = await e.run(job("javascript", code, { input: { loop: true }, limits: { fuel: 500 } }));
    expect(trapped).toMatchObject({ ok: false, error: { code: "fuel_exhausted" }, usage: { start: "warm" } });
    const next = await e.run(job("javascript", code, { input: { key: "k7" } }));
    expect(next).toMatchObject({ ok: true, result: { hit: 7 } });
    expect(e.liveInstances).toBeLessThanOrEqual(live);
  });

  it("answers a deploy check (evaluate only) from the snapshot without running anything", async () => {
    const e = await snapshotting();
    await prime(e, job("javascript", HEAVY));
    const check = await e.run({ ...job("javascript", HEAVY), evaluateOnly: true });
    expect(check).toMatchObject({ ok: true, result: null, stdout: "init done 20000\n", usage: { start: "warm" } });
  });

  it("leaves no host refs or instances behind, whether a run opened the host bridge or not", async () => {
    const e = await snapshotting();
    const code = 'const t = [1, 2].map(String);\nexport default async (input) => input.kv ? (await import("kiln")).kv.get("x") : t';
    const grants = { kv: { namespace: "t" }, secrets: {} };
    for (let i = 0; i < 20; i++) {
      const out = await e.run(job("javascript", code, { input: { kv: i % 2 === 0 }, grants }));
      expect(out, JSON.stringify(out)).toMatchObject({ ok: true });
    }
    expect(e.poolStats).toMatchObject({ snapshots: 1, hits: 20 - FRESH });
    // The snapshot's warm session, and with the instrumented build the plain instance of the first run.
    expect(e.liveInstances).toBe(tracked ? 2 : 1);
  });

  it("evicts the least recently used snapshot beyond its byte budget, with the instances kept for it", async () => {
    // What one snapshot and its kept session hold (a snapshot is charged its pages holding something, far
    // less than a session's memory): the budget has room for them and a page more, not for a second snapshot.
    const probe = await snapshotting();
    await prime(probe, job("javascript", "const n = 0;\nexport default () => n"));
    const budget = probe.poolStats.bytes + 65_536;
    probe.dispose();
    const e = await snapshotting({ snapshotCacheBytes: budget });
    for (const n of [1, 2, 3]) await prime(e, job("javascript", `const n = ${n};\nexport default () => n`));
    expect(e.poolStats.bytes).toBeLessThanOrEqual(budget);
    expect(e.poolStats.snapshots).toBe(1);
    expect((await e.run(job("javascript", "const n = 3;\nexport default () => n"))).usage.start).toBe("warm");
    expect((await e.run(job("javascript", "const n = 1;\nexport default () => n"))).usage.start).toBe("fresh");
  });

  it("puts back what the host wrote into guest memory: a 2 MiB input, console output, host answers", async () => {
    const e = await snapshotting();
    const code = 'import { kv } from "kiln";\nconst t = [1].map(String);\nexport default async (input) => { console.log("n", input.blob.length); await kv.set("k", input.blob.slice(0, 1000)); return [input.blob.length, await kv.get("k")] }';
    const grants = { kv: { namespace: "t" }, secrets: {} };
    for (let i = 0; i < FRESH + 3; i++) {
      const blob = String(i).repeat(2 << 20);
      const out = await e.run(job("javascript", code, { input: { blob }, grants }));
      expect(out).toMatchObject({ ok: true, result: [blob.length, blob.slice(0, 1000)], stdout: `n ${blob.length}\n` });
    }
    // Every run from the snapshot, and the run that took it, ended in a (verified) reset.
    // On the instrumented build each copied only the pages the run wrote; on the plain build all of memory.
    expect(e.poolStats).toMatchObject(tracked ? { pageRestores: 4, fullRestores: 0 } : { pageRestores: 0, fullRestores: 4, pagesCopied: 0 });
  });

  it("is off with a cache of 0 bytes", async () => {
    const e = await snapshotting({ snapshotCacheBytes: 0 });
    for (let i = 0; i < 2; i++) expect((await e.run(job("javascript", HEAVY))).usage.start).toBe("fresh");
    expect(e.poolStats.snapshots).toBe(0);
  });
});

});

describe("capture, restore and reset", () => {
  const limits = job("javascript", "").limits;

  it("restores a snapshot into a new instance byte for byte, and resets a used one to it byte for byte", async () => {
    const wasmModule = await quickjsWasm();
    using origin = await QuickJSInstance.create(wasmModule, { memoryMb: limits.memoryMb, initialPages: 256 });
    const session = QuickJSSession.open(origin, { memoryMb: limits.memoryMb });
    const source = { kind: "module" as const, code: HEAVY, fileName: "script.js" };
    const first = new QuickJSRun(session, job("javascript", HEAVY), {});
    expect(await first.initialize(source)).toBeUndefined();
    const snapshot = captureSnapshot(session, { key: "test", memoryMb: limits.memoryMb, start: { fuel: first.fuelUsed, ...first.printed } })!;
    first.release();

    const restored = await restoreSnapshot(snapshot, { wasmModule });
    const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;
    expect(same(new Uint8Array(restored.instance.memory.buffer), snapshot.memory)).toBe(true);
    const run = new QuickJSRun(restored, job("javascript", HEAVY, { input: { key: "k9" } }), { start: snapshot.start });
    expect(await run.invoke()).toMatchObject({ ok: true, result: { size: 20000, hit: 9 }, stdout: "init done 20000\n" });
    run.release();
    expect(same(new Uint8Array(restored.instance.memory.buffer), snapshot.memory)).toBe(false);
    resetSession(restored, snapshot);
    expect(same(new Uint8Array(restored.instance.memory.buffer), snapshot.memory)).toBe(true);
    restored.instance.dispose();
  });

  it("on the instrumented build, captures by reading only the pages an instance touched, and misses none of the pages holding something", async () => {
    const { module: wasmModule } = await quickjsSnapshotModule();
    const full = (memory: WebAssembly.Memory) => capturePages(memory);
    using origin = await QuickJSInstance.create(wasmModule, { memoryMb: limits.memoryMb, initialPages: 256, tracked: true });
    const session = QuickJSSession.open(origin, { memoryMb: limits.memoryMb });
    session.installPrelude();
    const source = { kind: "module" as const, code: HEAVY, fileName: "script.js" };
    const first = new QuickJSRun(session, job("javascript", HEAVY), {});
    expect(await first.initialize(source)).toBeUndefined();
    const touched = origin.tracking!.bitmap.touchedPages()!;
    // The heavy top level touches a few MiB of its 16+ MiB: the rest is never read, so never backed with memory.
    expect(touched.length).toBeLessThan(origin.memory.buffer.byteLength / 65_536);
    const snapshot = captureSnapshot(session, { key: "test", memoryMb: limits.memoryMb, start: { fuel: first.fuelUsed, ...first.printed } })!;
    // All of memory read after the capture (which cleared the marks: the bitmap page is zeros again in both).
    const scanned = full(origin.memory);
    first.release();
    expect([...heldPageList(snapshot.held)]).toEqual([...heldPageList(scanned.held)]);
    expect(Buffer.compare(snapshot.memory, scanned.memory)).toBe(0);

    // A new instance from the snapshot knows its held pages as touched; a run and a reset later, a capture still misses nothing.
    const restored = await restoreSnapshot(snapshot, { wasmModule });
    const run = new QuickJSRun(restored, job("javascript", HEAVY, { input: { key: "k9" } }), { start: snapshot.start });
    expect(await run.invoke()).toMatchObject({ ok: true, result: { size: 20000, hit: 9 } });
    run.release();
    const recaptured = captureSnapshot(restored, { key: "test", memoryMb: limits.memoryMb, start: snapshot.start })!;
    const again = full(restored.instance.memory);
    expect([...heldPageList(recaptured.held)]).toEqual([...heldPageList(again.held)]);
    expect(Buffer.compare(recaptured.memory, again.memory)).toBe(0);
    restored.instance.dispose();
  });

  it("keys a snapshot by the wasm build, the language, the code and the memory cap", async () => {
    const source = { kind: "module" as const, code: "export default () => 1" };
    const buildId = await snapshotBuildId({ wasmSha256: quickjsRuntime.sha256 });
    expect(buildId).toMatch(/^[0-9a-f]{64}$/);
    expect(await snapshotBuildId({ wasmSha256: "0".repeat(64) })).not.toBe(buildId);
    const base = { buildId, language: "javascript", memoryMb: 64 };
    const key = snapshotKey(source, base);
    expect(snapshotKey(source, base)).toBe(key);
    const others = [
      snapshotKey(source, { ...base, buildId: "0".repeat(64) }),
      snapshotKey(source, { ...base, language: "typescript" }),
      snapshotKey(source, { ...base, memoryMb: 128 }),
      snapshotKey({ ...source, code: source.code + " " }, base),
      snapshotKey({ ...source, kind: "script" }, base),
    ];
    expect(new Set([key, ...others]).size).toBe(6);
  });

  it("runs on the wasm build its hash names", async () => {
    const bytes = readFileSync(createRequire(import.meta.url).resolve(quickjsRuntime.artifact));
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(quickjsRuntime.sha256);
  });
});
