/** Warm instances (Lua, Ruby, Python): restored after every run, so nothing of one run reaches the next. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ComponentEngine } from "../../../src/engine/component/component-engine.ts";
import { componentEngine, job } from "../../helpers/fixtures.ts";

let engine: ComponentEngine;
beforeAll(async () => {
  engine = await componentEngine();
});
afterAll(() => engine.dispose());
const run = (language: string, code: string, options?: Parameters<typeof job>[2]) => engine.run(job(language, code, options));

const RUBY_LEAK = `
seen = [defined?($leak), defined?(LEAK), "".respond_to?(:leak), ENV["LEAK"], Random.rand(1_000_000)]
$leak = 1
LEAK = 1
class String; def leak = 1; end
ENV["LEAK"] = "1"
define_method(:main) { |_| seen }`;

const PYTHON_LEAK = `import builtins, sys, json, random
seen = [getattr(builtins, "leak", None), sys.modules.get("leak"), getattr(json, "leak", None), random.random()]
builtins.leak = 1
sys.modules["leak"] = sys
json.leak = 1
def main():
    return seen`;

const LUA_LEAK = `
local seen = {type(leak), ("").leak ~= nil, string.leak == nil, math.random(1, 1000000)}
leak = {}
getmetatable("").__index.leak = function() return 1 end
string.leak = 1
function main() return seen end`;

describe("warm instances", () => {
  it("reuses Ruby instances, and a run sees nothing the previous one left: globals, constants, monkey patches", async () => {
    const before = engine.poolStats.hits;
    const draws = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const out = await run("ruby", RUBY_LEAK);
      expect(out).toMatchObject({ ok: true, result: [null, null, false, null, expect.any(Number)] });
      if (out.ok) draws.add((out.result as number[])[4]!);
    }
    expect(engine.poolStats.hits - before).toBeGreaterThanOrEqual(4);
    expect(draws.size).toBe(5);
  });

  it("reuses Python instances the same way", async () => {
    const before = engine.poolStats.hits;
    for (let i = 0; i < 5; i++) expect(await run("python", PYTHON_LEAK)).toMatchObject({ ok: true, result: [null, null, null, expect.any(Number)] });
    expect(engine.poolStats.hits - before).toBeGreaterThanOrEqual(4);
  });

  it("reuses Lua instances the same way", async () => {
    const before = engine.poolStats.hits;
    const draws = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const out = await run("lua", LUA_LEAK);
      expect(out).toMatchObject({ ok: true, result: ["nil", false, true, expect.any(Number)] });
      if (out.ok) draws.add((out.result as number[])[3]!);
    }
    expect(engine.poolStats.hits - before).toBeGreaterThanOrEqual(4);
    expect(draws.size).toBe(5);
  });

  it("serves the next run from a clean instance after a trap, a full memory or an output flood", async () => {
    expect(await run("ruby", "loop {}", { limits: { fuel: 100 } })).toMatchObject({ ok: false, error: { code: "fuel_exhausted" } });
    expect(await run("ruby", "s = 'x'\nloop { s = s * 2 }")).toMatchObject({ ok: false, error: { code: "memory_exhausted" } });
    expect(await run("ruby", "loop { puts 'la' * 100 }")).toMatchObject({ ok: false, error: { code: "output_limit" } });
    expect(await run("ruby", RUBY_LEAK)).toMatchObject({ ok: true, result: [null, null, false, null, expect.any(Number)] });
    expect(await run("python", "def main(i):\n    return i['n'] * 2", { input: { n: 4 } })).toMatchObject({ ok: true, result: 8 });
  });

  it("does not grow a warm instance run after run: its restored allocator grows back into the pages earlier runs grew", async () => {
    const allocate = {
      python: "def main(i):\n    return len([str(x) * 10 for x in range(20000)])",
      ruby: "def main(i) = Array.new(20000) { |x| x.to_s * 10 }.size",
      lua: "function main() local t = {} for x = 1, 20000 do t[x] = tostring(x):rep(10) end return #t end",
    };
    for (const [language, code] of Object.entries(allocate)) {
      const before = engine.poolStats.misses;
      const pages = new Set<number>();
      // Without the virtual page count (virtual-pages.ts) each run took 3-25 fresh pages, and the pool replaced the instance every few runs.
      for (let i = 0; i < 12; i++) {
        const out = await run(language, code, { limits: { fuel: 200_000, memoryMb: 256 } });
        expect(out, language).toMatchObject({ ok: true, result: 20000 });
        if (i > 0) pages.add(out.usage.memoryBytes!);
      }
      expect([...pages], language).toHaveLength(1);
      expect(engine.poolStats.misses - before, language).toBeLessThanOrEqual(1);
    }
  });

  it("keeps output and logs to their own run", async () => {
    const first = await run("ruby", "puts 'first'");
    const second = await run("ruby", "puts 'second'");
    expect([first.stdout, second.stdout]).toEqual(["first\n", "second\n"]);
  });
});

describe("warm instances turned off", () => {
  it("starts a new instance for every run with warmInstances 0", async () => {
    const { ComponentEngine } = await import("../../../src/engine/component/component-engine.ts");
    const { componentRuntimesPrepared } = await import("../../helpers/fixtures.ts");
    using cold = new ComponentEngine(await componentRuntimesPrepared(), { warmInstances: 0 });
    for (let i = 0; i < 3; i++) expect(await cold.run(job("python", "def main(i):\n    return 7"))).toMatchObject({ ok: true, result: 7, usage: { start: "fresh" } });
    // The pool is not consulted: no instance is kept, and none is snapshotted.
    expect(cold.poolStats).toMatchObject({ hits: 0, misses: 0, pageRestores: 0, fullRestores: 0, bytes: 0 });
  });
});
