/**
 * Dirty-page restores, checked byte for byte: every warm Lua, Ruby and Python instance is compared with
 * its snapshot (all of linear memory, every state global) after each restore (`verifyRestores`), over
 * runs that write through every path the guest and the host have.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ThreadBlockingHost } from "../../../src/adapters/node/thread-blocking-host.ts";
import { ComponentEngine, type PreparedComponentRuntime } from "../../../src/engine/component/component-engine.ts";
import { ComponentHost } from "../../../src/engine/component/component-host.ts";
import { ComponentInstance } from "../../../src/engine/component/component-instance.ts";
import { componentRuntimesPrepared, job } from "../../helpers/fixtures.ts";

let runtimes: PreparedComponentRuntime[];
beforeAll(async () => {
  runtimes = await componentRuntimesPrepared();
});

/**
 * Runs `code` `runs` times; every run must be restored from its dirty pages (a mismatch throws in the
 * pool), none dropped: the runs together must grow memory less than the pool's MAX_GROWTH (16 MiB).
 */
async function restoredRuns(language: string, code: string, options: Parameters<typeof job>[2] & { runs?: number } = {}) {
  const runs = options.runs ?? 3;
  // An engine of its own: the growth earlier runs left in a warm instance does not count here.
  using engine = new ComponentEngine(runtimes, { blocking: new ThreadBlockingHost({ kvPath: ":memory:" }), verifyRestores: true });
  const outs = [];
  for (let i = 0; i < runs; i++) outs.push(await engine.run(job(language, code, options)));
  expect(engine.poolStats).toMatchObject({ fullRestores: 0, pageRestores: runs });
  return outs;
}

const BIG_INPUT = { text: "x".repeat(2 << 20) }; // a 2 MiB JSON input
// Python grows memory by about 10× its input, past the pool's MAX_GROWTH at 2 MiB (that instance would be dropped, not restored).
const PYTHON_INPUT = { text: "x".repeat(1 << 20) };
const KV = { grants: { kv: { namespace: "dirty-pages" }, secrets: {} } };

describe("dirty-page restores of Ruby, compared byte for byte with the snapshot", () => {
  it("globals, constants, monkey patches, ENV", async () => {
    const code = `$leak = [1] * 100\nLEAK = "x" * 1000\nclass String; def leak = 1; end\nENV["LEAK"] = "1"\ndef main = [defined?($leak), "".respond_to?(:leak)]`;
    for (const out of await restoredRuns("ruby", code)) expect(out).toMatchObject({ ok: true, result: ["global-variable", true] });
  });

  it("allocating a lot and collecting it", async () => {
    const code = `a = Array.new(10_000) { |i| "s#{i}" * 4 }\nh = a.each_with_index.to_h\na = nil\nGC.start\ndef main = 1`;
    for (const out of await restoredRuns("ruby", code)) expect(out).toMatchObject({ ok: true, result: 1 });
  });

  it("a 2 MB input (lowered by the host), random bytes and a lot of output", async () => {
    const code = `def main(input)\n  2000.times { |i| puts "line #{i} " + "x" * 100 }\n  [input["text"].size, Random.urandom(4096).bytesize, rand]\nend`;
    for (const out of await restoredRuns("ruby", code, { input: BIG_INPUT, runs: 1 })) {
      expect(out).toMatchObject({ ok: true, result: [2 << 20, 4096, expect.any(Number)] });
      expect(out.stdout.length).toBeGreaterThan(200_000);
    }
  });

  it("host calls answered by the host (kv, log) and errors raised", async () => {
    const kv = `def main\n  Kiln::KV.set("k", "v" * 10_000)\n  Kiln::Log.write("info", "hello")\n  Kiln::KV.get("k").size\nend`;
    for (const out of await restoredRuns("ruby", kv, KV)) expect(out).toMatchObject({ ok: true, result: 10_000 });
    for (const out of await restoredRuns("ruby", "def main = raise(ArgumentError, 'boom')")) expect(out).toMatchObject({ ok: false, error: { code: "guest_error" } });
    for (const out of await restoredRuns("ruby", "def main(")) expect(out).toMatchObject({ ok: false, error: { code: "syntax_error" } });
  });
});

describe("restores after a run that stopped part-way, compared byte for byte with the snapshot", () => {
  // Each stop leaves the instance mid-write: the restore must still put back every byte and global.
  const stops: [string, string, string, Parameters<typeof job>[2]][] = [
    ["ruby", "$a = []\nloop { $a << 'x' * 1000 }", "fuel_exhausted", { limits: { fuel: 300 } }],
    ["ruby", "$a = []\nloop { $a << 'x' * 1000; sleep 0.01 }", "timeout", { limits: { timeoutMs: 300, fuel: 200_000 } }],
    ["ruby", "def f(n) = f(n + 1)\nf(0)", "guest_error", {}],
    ["python", "a = []\nwhile True:\n    a.append('x' * 1000)", "fuel_exhausted", { limits: { fuel: 300 } }],
    ["python", "import time\na = []\nwhile True:\n    a.append('x' * 1000)\n    time.sleep(0.01)", "timeout", { limits: { timeoutMs: 300, fuel: 200_000 } }],
    ["python", "import sys\nsys.exit(3)", "guest_error", {}],
    ["lua", "t = {} while true do t[#t + 1] = ('x'):rep(100) end", "fuel_exhausted", { limits: { fuel: 300 } }],
    ["lua", "local function f(n) return 1 + f(n + 1) end f(0)", "guest_error", {}],
    ["lua", "error({code = 1})", "guest_error", {}],
  ];
  for (const language of ["lua", "ruby", "python"]) {
    it(`${language}: fuel_exhausted, timeout and guest_error, each restored and not dropped`, async () => {
      using engine = new ComponentEngine(runtimes, { blocking: new ThreadBlockingHost({ kvPath: ":memory:" }), verifyRestores: true });
      let runs = 0;
      for (const [lang, code, reason, options] of stops.filter(([l]) => l === language)) {
        for (let i = 0; i < 2; i++, runs++) expect(await engine.run(job(lang, code, options)), reason).toMatchObject({ ok: false, error: { code: reason } });
      }
      expect(engine.poolStats).toMatchObject({ fullRestores: 0, pageRestores: runs, misses: 1 });
    });
  }
});

describe("dirty-page restores of Lua, compared byte for byte with the snapshot", () => {
  it("globals, the string library and its metatable, collected garbage", async () => {
    const code = `leak = {} for i = 1, 10000 do leak[i] = ("x"):rep(i % 50) end\ngetmetatable("").__index.leak = function() return 1 end\nstring.leak2 = leak\ncollectgarbage()\nfunction main() return {type(leak), ("").leak ~= nil, type(string.leak2)} end`;
    for (const out of await restoredRuns("lua", code)) expect(out).toMatchObject({ ok: true, result: ["table", true, "table"] });
  });

  it("a 2 MB input, a lot of output, host calls and errors", async () => {
    const code = `function main(input)\n  for i = 1, 2000 do print("line", i, ("x"):rep(100)) end\n  kiln.log.write("info", "hello")\n  local ok = pcall(kiln.kv.get, "k")\n  return {#input.text, ok}\nend`;
    for (const out of await restoredRuns("lua", code, { input: BIG_INPUT, runs: 2 })) expect(out).toMatchObject({ ok: true, result: [2 << 20, false] });
  });
});

describe("dirty-page restores of Python, compared byte for byte with the snapshot", () => {
  it("module state, builtins and monkey patches", async () => {
    const code = `import builtins, json, sys\nbuiltins.leak = [1] * 1000\njson.leak = 1\nsys.modules["leak"] = sys\ndef main():\n    return hasattr(builtins, "leak")`;
    for (const out of await restoredRuns("python", code)) expect(out).toMatchObject({ ok: true, result: true });
  });

  it("allocating a lot and collecting it, and reading the standard library from its mount", async () => {
    const code = `import gc, difflib, fractions, textwrap\na = [str(i) * 4 for i in range(20_000)]\nd = {s: i for i, s in enumerate(a)}\ndel a, d\ngc.collect()\ndef main():\n    return str(fractions.Fraction(1, 3))`;
    for (const out of await restoredRuns("python", code)) expect(out).toMatchObject({ ok: true, result: "1/3" });
  });

  it("a 1 MB input, random bytes, a lot of output, host calls and errors", async () => {
    const code = `import os, random, kiln\ndef main(input):\n    for i in range(2000):\n        print("line", i, "x" * 100)\n    kiln.log.write("info", "hello")\n    return [len(input["text"]), len(os.urandom(4096)), random.random()]`;
    for (const out of await restoredRuns("python", code, { input: PYTHON_INPUT, runs: 1 })) expect(out).toMatchObject({ ok: true, result: [1 << 20, 4096, expect.any(Number)] });
    for (const out of await restoredRuns("python", "def main():\n    raise ValueError('boom')")) expect(out).toMatchObject({ ok: false, error: { code: "guest_error" } });
  });
});

describe("the bitmap's own pages", () => {
  it("a write into the guard or bitmap page makes the next restore copy all of memory", async () => {
    const python = runtimes.find((r) => r.language.name === "python")!;
    const instance = await ComponentInstance.start(python, { memoryMb: 64, maxOutputBytes: 1 << 20, fuel: 1n << 40n });
    const snapshot = instance.snapshot();
    const dirty = instance.dirty!;
    instance.kiln.current = new ComponentHost(job("python", ""), { services: {}, deadline: Date.now() + 60_000 });
    const run = () => {
      instance.fuel.value = 1n << 40n;
      python.driver.run(instance.instance, { code: "x = [1] * 1000", inputJson: "null" }, { seed: 1, reseed: () => instance.host.reseed(1n) });
    };
    run();
    expect(instance.restore(snapshot)).toBeGreaterThan(0);
    expect(instance.differences(snapshot)).toEqual([]);
    for (const page of [dirty.guardPage, dirty.bitmapPage]) {
      run();
      // What a guest store there would do: it marks its own page (and may clear the others' marks).
      const bytes = new Uint8Array(instance.memory.buffer);
      bytes[page * 65536 + 100] = 7;
      dirty.marks.fill(0);
      dirty.marks[page] = 1;
      expect(dirty.dirtyPages()).toBeUndefined();
      expect(instance.restore(snapshot)).toBeUndefined();
      expect(instance.differences(snapshot)).toEqual([]);
    }
  });

  it("restoreDifferences finds a byte the restore missed", async () => {
    const ruby = runtimes.find((r) => r.language.name === "ruby")!;
    const instance = await ComponentInstance.start(ruby, { memoryMb: 128, maxOutputBytes: 1 << 20, fuel: 1n << 40n });
    const snapshot = instance.snapshot();
    // A write no instrumented code made (nothing marks page 5), so the restore cannot know of it.
    const bytes = new Uint8Array(instance.memory.buffer);
    bytes[5 * 65536 + 3] = bytes[5 * 65536 + 3]! ^ 1;
    expect(instance.differences(snapshot)).toEqual(["page 5 differs at byte 0"]);
    expect(instance.restore(snapshot)).toBe(0);
    expect(instance.differences(snapshot)).toEqual(["page 5 differs at byte 0"]);
  });
});
