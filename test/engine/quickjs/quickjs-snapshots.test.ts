/** QuickJS snapshots: a slow top level runs once; later runs of the same code start from its state, clean. */
import { afterEach, describe, expect, it } from "vitest";
import { createQuickJSEngine } from "../../../src/default-engines.ts";
import { MemoryKvStore } from "../../../src/host/kv-store.ts";
import type { QuickJSEngine } from "../../../src/engine/quickjs/quickjs-engine.ts";
import { job, quickjsWasm } from "../../helpers/fixtures.ts";

let engine: QuickJSEngine | undefined;
afterEach(() => engine?.dispose());

/** A store that answers after a real delay, so runs waiting on it overlap. */
class SlowKvStore extends MemoryKvStore {
  override async get(namespace: string, key: string): Promise<string | undefined> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return super.get(namespace, key);
  }
}

/** An engine that snapshots every top level (threshold 0), so small scripts exercise the path. */
async function snapshotting(options: { warmInstances?: number; snapshotCacheBytes?: number } = {}): Promise<QuickJSEngine> {
  engine = createQuickJSEngine(await quickjsWasm(), { services: { kv: new SlowKvStore() }, snapshotMinInitMs: 0, ...options });
  return engine;
}

const HEAVY = `
const table = new Map();
for (let i = 0; i < 20000; i++) table.set("k" + i, { id: i, tags: ["a" + (i % 7)] });
console.log("init done", table.size);
export default (input) => ({ size: table.size, hit: table.get(input.key)?.id ?? null });
`;

describe("snapshots of a script's top level", () => {
  it("runs the top level once: later runs start warm, with the same result, output and fuel", async () => {
    const e = await snapshotting();
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await e.run(job("javascript", HEAVY, { input: { key: "k42" } })));
    expect(runs.map((r) => r.usage.start)).toEqual(["fresh", "warm", "warm", "warm"]);
    for (const r of runs) {
      expect(r).toMatchObject({ ok: true, result: { size: 20000, hit: 42 }, stdout: "init done 20000\n" });
      expect(r.usage.fuel).toBe(runs[0]!.usage.fuel);
    }
    expect(e.snapshotStats).toMatchObject({ snapshots: 1, hits: 3, misses: 0 });
  });

  it("restores the snapshot into a new instance when no warm one is idle (concurrent runs)", async () => {
    const e = await snapshotting();
    // The handler waits on the host, so the three runs overlap.
    const code = 'import { kv } from "kiln";\n' + HEAVY.replace("export default (input) => (", "export default async (input) => (await kv.get(input.key), ");
    const grants = { kv: { namespace: "t" }, secrets: {} };
    const first = await e.run(job("javascript", code, { input: { key: "k1" }, grants }));
    const both = await Promise.all([1, 2, 3].map((n) => e.run(job("javascript", code, { input: { key: "k" + n }, grants }))));
    expect(both.map((r) => r.usage.start).sort()).toEqual(["restored", "restored", "warm"]);
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
        const seen = { cache: cache.get("secret") ?? null, global: globalThis.leak ?? null, proto: ({}).polluted ?? null, calls };
        cache.set("secret", input.secret);
        globalThis.leak = input.secret;
        Object.prototype.polluted = input.secret;
        Array.prototype.push = () => 0;
        return seen;
      };`;
    const a = await e.run(job("javascript", code, { input: { secret: "tenant-a" } }));
    expect(a).toMatchObject({ ok: true, result: { cache: null, global: null, proto: null, calls: 1 } });
    for (const start of ["warm", "warm"]) {
      const b = await e.run(job("javascript", code, { input: { secret: "tenant-b" } }));
      expect(b).toMatchObject({ ok: true, result: { cache: null, global: null, proto: null, calls: 1 }, usage: { start } });
    }
  });

  it("draws different Math.random numbers in every run from the same snapshot", async () => {
    const e = await snapshotting();
    const code = "const t = [1, 2, 3].map((x) => x * 2);\nexport default () => [Math.random(), Math.random()]";
    const draws = [];
    for (let i = 0; i < 4; i++) draws.push(JSON.stringify(((await e.run(job("javascript", code))) as { result?: unknown }).result));
    expect(new Set(draws).size).toBe(4);
    expect(e.snapshotStats.snapshots).toBe(1);
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
    expect(e.snapshotStats.snapshots).toBe(0);
  });
});
