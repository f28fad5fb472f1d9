/**
 * The one warm pool (src/engine/warm-pool.ts) under both engines: component instances kept by runtime,
 * each with its own snapshot; QuickJS sessions kept by snapshot key, sharing the key's pinned snapshot;
 * and what it drops (not clean, grown past MAX_GROWTH, no room, over the byte budget).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ComponentEngine } from "../../src/engine/component/component-engine.ts";
import { ComponentInstance, type InstanceSnapshot } from "../../src/engine/component/component-instance.ts";
import type { PreparedComponentRuntime } from "../../src/engine/component/prepared-runtime.ts";
import { QuickJSInstance } from "../../src/engine/quickjs/quickjs-instance.ts";
import { QuickJSRun } from "../../src/engine/quickjs/quickjs-run.ts";
import { QuickJSSession } from "../../src/engine/quickjs/quickjs-session.ts";
import { captureSnapshot, resetSession, type QuickJSSnapshot } from "../../src/engine/quickjs/quickjs-snapshot.ts";
import { WarmPool, type WarmPoolStats } from "../../src/engine/warm-pool.ts";
import { heldBytes, MAX_GROWTH } from "../../src/engine/wasm/memory-snapshot.ts";
import { memoryDifferences } from "../../src/engine/wasm/restore-differences.ts";
import { createQuickJSEngine } from "../../src/quickjs-defaults.ts";
import { componentRuntimesPrepared, job, quickjsWasm } from "../helpers/fixtures.ts";

const STATS_KEYS: (keyof WarmPoolStats)[] = ["bytes", "evictions", "fullRestores", "hits", "instances", "misses", "pageRestores", "pagesCopied", "snapshots"];
const PAGE = 65536;

let runtimes: PreparedComponentRuntime[];
let wasmModule: WebAssembly.Module;
beforeAll(async () => {
  runtimes = await componentRuntimesPrepared();
  wasmModule = await quickjsWasm();
});

/** A QuickJS session whose top level ran, and its snapshot (as the engine takes one). */
async function quickjsSession(code = "const t = [1, 2, 3].map(String);\nexport default () => t") {
  const instance = await QuickJSInstance.create(wasmModule, { memoryMb: 64, initialPages: 256 });
  const session = QuickJSSession.open(instance, { memoryMb: 64 });
  const run = new QuickJSRun(session, job("javascript", code), {});
  expect(await run.initialize({ kind: "module", code, fileName: "script.js" })).toBeUndefined();
  const snapshot = captureSnapshot(session, { key: code, memoryMb: 64, start: { fuel: run.fuelUsed, ...run.printed } })!;
  run.release();
  return { session, snapshot };
}

function sessionPool(options: { maxBytes?: number; perKey?: number; dropped?: QuickJSSession[] } = {}) {
  return new WarmPool<QuickJSSession, QuickJSSnapshot>({
    perKey: options.perKey ?? 1,
    maxBytes: options.maxBytes,
    snapshots: "pinned",
    restore: (session, snapshot) => resetSession(session, snapshot).pages,
    differences: (session, snapshot) => memoryDifferences(session.memory, snapshot.memory),
    verifyRestores: true,
    drop: (session) => options.dropped?.push(session),
  });
}

function instancePool(options: { maxBytes?: number; perKey?: number; dropped?: ComponentInstance[] } = {}) {
  return new WarmPool<ComponentInstance, InstanceSnapshot>({
    perKey: options.perKey ?? 1,
    maxBytes: options.maxBytes,
    snapshots: "own",
    restore: (instance, snapshot) => instance.restore(snapshot),
    differences: (instance, snapshot) => instance.differences(snapshot),
    verifyRestores: true,
    drop: (instance) => options.dropped?.push(instance),
  });
}

describe("one pool for both engines", () => {
  it("keeps a component instance by runtime with its own snapshot, and restores it when given back", async () => {
    const lua = runtimes.find((r) => r.language.name === "lua")!;
    const instance = await ComponentInstance.start(lua, { memoryMb: 64, maxOutputBytes: 1 << 20, fuel: 1n << 40n });
    const snapshot = instance.snapshot();
    using pool = instancePool();
    expect(pool.borrow("lua")).toBeUndefined();
    // What a run leaves behind: a write the restore must put back.
    const bytes = new Uint8Array(instance.memory.buffer);
    bytes[1000] = bytes[1000]! ^ 1;
    instance.dirty?.markRange(1000, 1001);
    expect(instance.differences(snapshot)).not.toEqual([]);
    expect(pool.give("lua", { instance, snapshot }, true)).toBe(true);
    expect(instance.differences(snapshot)).toEqual([]);
    const stats = pool.stats;
    expect(Object.keys(stats).sort()).toEqual(STATS_KEYS);
    expect(stats).toMatchObject({ hits: 0, misses: 1, instances: 1, snapshots: 1, bytes: instance.memory.buffer.byteLength + snapshot.memory.length, evictions: 0 });
    expect(stats.pageRestores + stats.fullRestores).toBe(1);
    expect(pool.borrow("ruby")).toBeUndefined();
    expect(pool.borrow("lua")).toMatchObject({ instance, snapshot });
    expect(pool.stats).toMatchObject({ hits: 1, misses: 2, instances: 0, snapshots: 0, bytes: 0 });
  });

  it("keeps QuickJS sessions by snapshot key, sharing the key's pinned snapshot, which stays while none is kept", async () => {
    const { session, snapshot } = await quickjsSession();
    using pool = sessionPool();
    expect(pool.pin(snapshot.key, snapshot)).toBe(true);
    // A snapshot is charged what it holds: the pages holding something, not the zeros of its copy.
    expect(heldBytes(snapshot)).toBeLessThan(snapshot.memory.length / 4);
    expect(pool.stats).toMatchObject({ instances: 0, snapshots: 1, bytes: heldBytes(snapshot) });
    expect(pool.pinned(snapshot.key)).toBe(snapshot);
    expect(pool.give(snapshot.key, { instance: session, snapshot }, true)).toBe(true);
    // The snapshot is charged once, to its key.
    expect(pool.stats).toMatchObject({ instances: 1, snapshots: 1, bytes: heldBytes(snapshot) + session.memory.buffer.byteLength, fullRestores: 1 });
    expect(Object.keys(pool.stats).sort()).toEqual(STATS_KEYS);
    expect(pool.borrow(snapshot.key)?.instance).toBe(session);
    expect(pool.borrow(snapshot.key)).toBeUndefined();
    expect(pool.stats).toMatchObject({ hits: 1, misses: 1, instances: 0, snapshots: 1 });
  });

  it("drops a session whose key's snapshot is gone or was replaced", async () => {
    const { session, snapshot } = await quickjsSession();
    const dropped: QuickJSSession[] = [];
    using pool = sessionPool({ dropped });
    expect(pool.give(snapshot.key, { instance: session, snapshot }, true)).toBe(false);
    pool.pin(snapshot.key, snapshot);
    pool.pin(snapshot.key, { ...snapshot });
    expect(pool.give(snapshot.key, { instance: session, snapshot }, true)).toBe(false);
    expect(dropped).toEqual([session, session]);
    expect(pool.stats).toMatchObject({ instances: 0, snapshots: 1 });
  });

  it("gives both engines' poolStats the same shape", async () => {
    using quickjs = createQuickJSEngine(wasmModule);
    using components = new ComponentEngine(runtimes);
    await components.run(job("lua", "function main() return 1 end"));
    expect(Object.keys(quickjs.poolStats).sort()).toEqual(STATS_KEYS);
    expect(Object.keys(components.poolStats).sort()).toEqual(STATS_KEYS);
    expect(components.poolStats).toMatchObject({ misses: 1, instances: 1, snapshots: 1 });
  });
});

describe("what the pool drops", () => {
  it("drops an instance the engine says is not clean, and one a key has no room for", async () => {
    const lua = runtimes.find((r) => r.language.name === "lua")!;
    const start = () => ComponentInstance.start(lua, { memoryMb: 64, maxOutputBytes: 1 << 20, fuel: 1n << 40n });
    const [a, b, c] = await Promise.all([start(), start(), start()]);
    const dropped: ComponentInstance[] = [];
    using pool = instancePool({ perKey: 1, dropped });
    expect(pool.give("lua", { instance: a!, snapshot: a!.snapshot() }, false)).toBe(false);
    expect(pool.give("lua", { instance: b!, snapshot: b!.snapshot() }, true)).toBe(true);
    expect(pool.give("lua", { instance: c!, snapshot: c!.snapshot() }, true)).toBe(false);
    expect(dropped).toEqual([a, c]);
    expect(pool.stats).toMatchObject({ instances: 1, evictions: 0 });
  });

  it("drops an instance whose memory grew more than MAX_GROWTH past its snapshot, and keeps one that grew less (zeroing the growth)", async () => {
    const lua = runtimes.find((r) => r.language.name === "lua")!;
    const start = () => ComponentInstance.start(lua, { memoryMb: 128, maxOutputBytes: 1 << 20, fuel: 1n << 40n });
    const [small, big] = await Promise.all([start(), start()]);
    const dropped: ComponentInstance[] = [];
    using pool = instancePool({ dropped, perKey: 2 });
    const smallSnapshot = small!.snapshot();
    const bigSnapshot = big!.snapshot();
    const at = small!.memory.grow(MAX_GROWTH / PAGE) * PAGE;
    // What the guest's (marked) stores into the pages it grew would leave.
    new Uint8Array(small!.memory.buffer).fill(7, at);
    small!.dirty?.markRange(at, small!.memory.buffer.byteLength);
    expect(pool.give("lua", { instance: small!, snapshot: smallSnapshot }, true)).toBe(true);
    expect(small!.differences(smallSnapshot)).toEqual([]);
    big!.memory.grow(MAX_GROWTH / PAGE + 1);
    expect(pool.give("lua", { instance: big!, snapshot: bigSnapshot }, true)).toBe(false);
    expect(dropped).toEqual([big]);
    expect(pool.stats).toMatchObject({ instances: 1, snapshots: 1, bytes: small!.memory.buffer.byteLength + smallSnapshot.memory.length });
  });

  it("does not keep a QuickJS session that ended near its memory cap: the next run restores the snapshot", async () => {
    using engine = createQuickJSEngine(wasmModule, { snapshotMinInitMs: 0, verifyRestores: true });
    const code = "const t = [1, 2].map(String);\nexport default (input) => { if (input.hog) { const a = []; for (;;) a.push({ n: a.length }) } return t }";
    // The smallest cap: a hog reaches it having grown far less than MAX_GROWTH, so only the cap rule drops its session.
    const limits = { memoryMb: 24 };
    const runs = [];
    for (const hog of [false, false, false, true, false, false]) runs.push(await engine.run(job("javascript", code, { input: { hog }, limits })));
    expect(runs.map((o) => [o.usage.start, o.ok || o.error.code])).toEqual([
      ["fresh", true],
      ["fresh", true],
      ["warm", true],
      ["warm", "memory_exhausted"],
      ["restored", true],
      ["warm", true],
    ]);
    expect(runs[3]!.usage.memoryBytes! - 16 * 1024 * 1024).toBeLessThan(MAX_GROWTH);
    expect(engine.poolStats).toMatchObject({ hits: 3, misses: 1, instances: 1, snapshots: 1 });
  });
});

describe("the byte budget", () => {
  it("evicts the least recently used key's instances first, oldest first, across keys", async () => {
    const instances = await Promise.all([1, 2, 3].map(() => QuickJSInstance.create(wasmModule, { memoryMb: 64, initialPages: 256 })));
    const one = instances[0]!.memory.buffer.byteLength;
    const dropped: QuickJSInstance[] = [];
    using pool = new WarmPool<QuickJSInstance>({ perKey: 2, maxBytes: Math.floor(one * 2.5), snapshots: "own", drop: (i) => dropped.push(i) });
    const [a, b, c] = instances as [QuickJSInstance, QuickJSInstance, QuickJSInstance];
    pool.give("x", { instance: a, snapshot: undefined }, true);
    pool.give("y", { instance: b, snapshot: undefined }, true);
    // "x" is used again, so "y" is now the least recently used key.
    expect(pool.borrow("x", () => false)).toBeUndefined();
    expect(pool.give("x", { instance: c, snapshot: undefined }, true)).toBe(true);
    expect(dropped).toEqual([b]);
    expect(pool.stats).toMatchObject({ instances: 2, bytes: 2 * one, evictions: 1 });
    expect(pool.borrow("y")).toBeUndefined();
    // Most recently kept first.
    expect(pool.borrow("x")?.instance).toBe(c);
  });

  it("evicts a key's snapshot once its instances are gone, and never the snapshot just pinned", async () => {
    const first = await quickjsSession("const a = [1].map(String);\nexport default () => a");
    const second = await quickjsSession("const b = [2].map(String);\nexport default () => b");
    const [one, two] = [heldBytes(first.snapshot), heldBytes(second.snapshot)];
    const session = first.session.memory.buffer.byteLength;
    expect(second.session.memory.buffer.byteLength).toBe(session);
    // Room for a snapshot and a session, not for two snapshots and a session.
    const budget = Math.max(one, two) + session + Math.floor(Math.min(one, two) / 2);
    const dropped: QuickJSSession[] = [];
    using pool = sessionPool({ maxBytes: budget, dropped });
    pool.pin(first.snapshot.key, first.snapshot);
    pool.give(first.snapshot.key, { instance: first.session, snapshot: first.snapshot }, true);
    expect(pool.stats).toMatchObject({ snapshots: 1, instances: 1, evictions: 0 });
    expect(pool.pin(second.snapshot.key, second.snapshot)).toBe(true);
    expect(dropped).toEqual([first.session]);
    expect(pool.stats).toMatchObject({ snapshots: 2, instances: 0, evictions: 1, bytes: one + two });
    expect(pool.give(second.snapshot.key, { instance: second.session, snapshot: second.snapshot }, true)).toBe(true);
    expect(pool.pinned(first.snapshot.key)).toBeUndefined();
    expect(pool.stats).toMatchObject({ snapshots: 1, instances: 1, evictions: 2 });
    expect(pool.bytes).toBeLessThanOrEqual(budget);
    // A snapshot larger than the whole budget is refused.
    using tiny = sessionPool({ maxBytes: one - 1 });
    expect(tiny.pin(first.snapshot.key, first.snapshot)).toBe(false);
  });
});

describe("a disposed pool", () => {
  let pool: WarmPool<QuickJSInstance>;
  const dropped: QuickJSInstance[] = [];
  beforeAll(() => {
    pool = new WarmPool<QuickJSInstance>({ perKey: 2, snapshots: "own", drop: (i) => dropped.push(i) });
  });
  afterAll(() => pool.dispose());

  it("lets go of what it kept, and drops what is given back after", async () => {
    const [a, b] = await Promise.all([1, 2].map(() => QuickJSInstance.create(wasmModule, { memoryMb: 64, initialPages: 256 })));
    pool.give("x", { instance: a!, snapshot: undefined }, true);
    pool[Symbol.dispose]();
    expect(pool.give("x", { instance: b!, snapshot: undefined }, true)).toBe(false);
    expect(dropped).toEqual([a, b]);
    expect(pool.stats).toMatchObject({ instances: 0, bytes: 0 });
  });
});
