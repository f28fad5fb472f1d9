/** Lua on the component engine, beyond the shared conformance suite. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ComponentEngine } from "../../../src/engine/component/component-engine.ts";
import { componentEngine, job } from "../../helpers/fixtures.ts";

let engine: ComponentEngine;
beforeAll(async () => {
  engine = await componentEngine();
});
afterAll(() => engine.dispose());
const lua = (code: string, options?: Parameters<typeof job>[2]) => engine.run(job("lua", code, options));

describe("Lua on the component engine", () => {
  it("reports the same fuel over 10 runs of the same code and input", async () => {
    const code = "function main(n) local s = 0 for i = 1, n do s = s + (i % 7) end return s end";
    const fuel = new Set<number | null>();
    for (let i = 0; i < 10; i++) fuel.add((await lua(code, { input: 200_000 })).usage.fuel);
    expect(fuel.size).toBe(1);
    expect([...fuel][0]).toBeGreaterThan(10);
  });

  it("turns JSON input into Lua values and results back into JSON", async () => {
    const out = await lua("function main(i) return { sum = i.a + i.b, list = { 1, 2, 3 }, text = i.s .. '!', empty = {}, yes = true } end", {
      input: { a: 1, b: 2.5, s: 'quote " and \\ and é' },
    });
    expect(out).toMatchObject({ ok: true, result: { sum: 3.5, list: [1, 2, 3], text: 'quote " and \\ and é!', empty: [], yes: true } });
  });

  it("rejects a result JSON cannot hold", async () => {
    const out = await lua("function main() return function () end end");
    expect(out).toMatchObject({ ok: false, error: { code: "guest_error", message: expect.stringContaining("JSON") } });
  });

  it("encodes a table as an array only when its keys are exactly 1..n, and as an object otherwise, losing nothing", async () => {
    const out = await lua(`function main()
      return { mixed = { 1, 2, x = 3 }, holes = { [1] = 1, [3] = 3 }, zero = { [0] = "z", [1] = "a" }, numbers = { [-2] = "n", [1.5] = "f" },
        list = { "a", "b" }, empty = {}, nested = { { 1 }, { k = { 2 } } } }
    end`);
    expect(out).toMatchObject({
      ok: true,
      result: {
        mixed: { "1": 1, "2": 2, x: 3 },
        holes: { "1": 1, "3": 3 },
        zero: { "0": "z", "1": "a" },
        numbers: { "-2": "n", "1.5": "f" },
        list: ["a", "b"],
        empty: [],
        nested: [[1], { k: [2] }],
      },
    });
  });

  it("refuses a table key JSON cannot hold, or two keys that are the same once they are JSON keys", async () => {
    const refused = async (table: string) => {
      const out = await lua(`function main() return ${table} end`);
      expect(out).toMatchObject({ ok: false, error: { code: "guest_error" } });
      return out.ok ? "" : out.error.message;
    };
    expect(await refused("{ [1] = 'a', ['1'] = 'b' }")).toBe('the result is not JSON-serialisable: a table has both the keys 1 and "1", which are the same JSON key');
    expect(await refused("{ x = { [true] = 1 } }")).toMatch(/not JSON-serialisable: a table has a key that is a boolean/);
    expect(await refused("{ [{}] = 1 }")).toMatch(/not JSON-serialisable: a table has a key that is a table/);
    expect(await refused("{ [print] = 1 }")).toMatch(/not JSON-serialisable: a table has a key that is a function/);
  });

  it("runs only the top level for a deploy-time check: main is not called", async () => {
    const code = "print('loaded') function main(i) return 'hi ' .. i.name end";
    expect(await engine.run({ ...job("lua", code), evaluateOnly: true })).toMatchObject({ ok: true, result: null, stdout: "loaded\n" });
    expect(await lua(code, { input: { name: "ada" } })).toMatchObject({ ok: true, result: "hi ada" });
    expect(await engine.run({ ...job("lua", "error('at load')"), evaluateOnly: true })).toMatchObject({ ok: false, error: { code: "guest_error" } });
  });

  it("raises a refused host call as exactly '<code>: <message>', caught or not", async () => {
    const caught = await lua("function main() return { pcall(kiln.kv.get, 'a') } end");
    expect(caught).toMatchObject({ ok: true, result: [false, "capability_denied: kv is not granted to this run"] });
    const nested = await lua("function main() return { pcall(function () return kiln.kv.get('a') end) } end");
    expect(nested).toMatchObject({ ok: true, result: [false, "capability_denied: kv is not granted to this run"] });
    const uncaught = await lua("local x = 1\nkiln.kv.get('a')");
    expect(uncaught).toMatchObject({ ok: false, error: { code: "guest_error", message: "capability_denied: kv is not granted to this run", line: 2 } });
  });

  it("gives a runtime error the line of the script's innermost frame, and a stack of the script's frames only", async () => {
    const out = await lua("local function check(n)\n  if n > 1 then error('too big') end\nend\nfunction main(n)\n  check(n)\nend", { input: 2 });
    expect(out).toMatchObject({ ok: false, error: { code: "guest_error", message: "script:2: too big", line: 2, stack: "script:2: in upvalue 'check'\nscript:5: in function 'main'" } });
    // error(message, 2) in main points at main's caller, which is Kiln's: no position, and the line is main's.
    expect(await lua("function main()\n  error('bad input', 2)\nend")).toMatchObject({ ok: false, error: { message: "bad input", line: 2, stack: "script:2: in function 'main'" } });
    expect(await lua("local t = {}\nerror(t)")).toMatchObject({ ok: false, error: { message: "(error object is a table value)", line: 2 } });
    const deep = await lua("local function f(n) return 1 + f(n + 1) end\nf(1)");
    expect(deep).toMatchObject({ ok: false, error: { message: "script:1: stack overflow", line: 1 } });
    if (!deep.ok) expect(deep.error.stack).toMatch(/^script:1: in upvalue 'f'\n(.*\n)*\.\.\.\n(.*\n)*script:2: in main chunk$/);
  });

  it("gives a syntax error the line and the column of the token Lua names", async () => {
    const at = async (code: string) => {
      const out = await lua(code);
      expect(out).toMatchObject({ ok: false, error: { code: "syntax_error" } });
      return out.ok ? undefined : [out.error.line, out.error.column, out.error.message];
    };
    expect(await at("local a = 1\nlocal = 2")).toEqual([2, 7, "SyntaxError: script:2: <name> expected near '='"]);
    expect(await at("x = = 1")).toEqual([1, 5, "SyntaxError: script:1: unexpected symbol near '='"]);
    expect(await at("x = 'é' y = é")).toEqual([1, 13, "SyntaxError: script:1: unexpected symbol near '<\\195>'"]);
    expect(await at("local s = 'abc\nx = 1")).toEqual([1, 11, "SyntaxError: script:1: unfinished string near ''abc'"]);
    expect(await at("x = [[\nabc\n]] 1")).toEqual([3, 4, "SyntaxError: script:3: unexpected symbol near '1'"]);
    expect(await at("x = 3x")).toEqual([1, 5, "SyntaxError: script:1: malformed number near '3x'"]);
    expect(await at("-- x = = 1\nlocal t = { a = 'a\\'b' .. [==[ ]] ]==] } }")).toEqual([2, 42, "SyntaxError: script:2: unexpected symbol near '}'"]);
    expect(await at("for i = 1, 10 do\n  if i then\nend")).toEqual([3, 4, "SyntaxError: script:3: 'end' expected (to close 'for' at line 1) near <eof>"]);
    expect(await at("goto nowhere")).toEqual([1, 13, "SyntaxError: script:1: no visible label 'nowhere' for <goto> at line 1"]);
    // Far past the first 1 KiB piece of text handed to the lexer: the offset is found byte by byte within the last piece.
    expect(await at(`${"x = 1\n".repeat(1000)}y = = 2`)).toEqual([1001, 5, "SyntaxError: script:1001: unexpected symbol near '='"]);
  });

  it("reads no host environment or files: io.read and require reach only the run's own stdin and files", async () => {
    const out = await lua("function main() return { type(os.getenv), type(io.open), type(dofile), type(loadfile), type(debug) } end");
    expect(out).toMatchObject({ ok: true, result: Array(5).fill("nil") });
    const own = await lua(`function main() return { io.read("a"), io.read("l") == nil, select(2, pcall(require, "os")) == os, (select(2, pcall(require, "kiln_lua"))):match("not found") } end`);
    expect(own).toMatchObject({ ok: true, result: ["", true, true, "not found"] });
    expect(await lua(`function main() return (select(2, pcall(io.lines, "/etc/passwd"))) end`)).toMatchObject({ ok: true, result: expect.stringContaining("No such file") });
  });

  it("reads stdin with every io.read format: lines with and without their break, counts, numbers, the rest", async () => {
    const code = `function main()
  local a, b = io.read("L", "l")
  local n1, n2, n3, bad = io.read("n", "n", "*n", "n")
  local rest = { io.read(0), io.read(3), io.read("a"), io.read("a"), io.read(0), io.read("l"), io.read("n") }
  return { a, b, n1, n2, n3, bad == nil, rest[1], rest[2], rest[3], rest[4], rest[5] == nil, rest[6] == nil, rest[7] == nil, math.type(n1), math.type(n2) }
end`;
    const out = await engine.run({ ...job("lua", code), stdin: "one\ntwo\n 42 0x1F -2.5e1 x!abcdef" });
    expect(out).toMatchObject({ ok: true, result: ["one\n", "two", 42, 31, -25, true, "", "x!a", "bcdef", "", true, true, true, "integer", "integer"] });
  });

  it("loads no bytecode", async () => {
    const out = await lua("function main() local f, err = load(string.dump(function () return 1 end)) return err end");
    expect(out).toMatchObject({ ok: true, result: expect.stringContaining("binary chunk") });
  });

  it("runs fine after a memory bomb", async () => {
    expect(await lua("local t = {} for i = 1, 1e12 do t[i] = ('x'):rep(10000) .. i end", { limits: { memoryMb: 32 } })).toMatchObject({ ok: false, error: { code: "memory_exhausted" } });
    expect(await lua("function main() return 'fine' end", { limits: { memoryMb: 32 } })).toMatchObject({ ok: true, result: "fine" });
  });

  it("turns deep recursion into Lua's catchable stack overflow error, under the smallest memory cap too", async () => {
    // Lua's stack limit (100,000 slots; see languages/lua/RECIPE.md) comes well before any memory cap.
    for (const memoryMb of [24, 64, 128]) {
      const out = await lua("local function f(n) return f(n + 1) + 1 end function main() return f(1) end", { limits: { memoryMb } });
      expect(out).toMatchObject({ ok: false, error: { code: "guest_error", message: expect.stringMatching(/stack overflow/) } });
    }
    const caught = await lua("local function f(n) return 1 + f(n + 1) end function main() local ok, e = pcall(f, 1) return { ok, e } end", { limits: { memoryMb: 24 } });
    expect(caught).toMatchObject({ ok: true, result: [false, expect.stringMatching(/stack overflow/)] });
  });

  it("has io.stdout and io.stderr", async () => {
    const out = await lua("io.stdout:write('a', 1):write('b\\n') io.write('c') io.stderr:write('x'):write('y') io.stdout:flush()");
    expect(out).toMatchObject({ ok: true, stdout: "a1b\nc", stderr: "xy" });
  });
});

/**
 * Host calls after a kv.set in one run, in every component language. A kv.set's arguments once lay
 * within IMPORT_ARG_REACH bytes of the end of Lua's first pages: the import thunk's mark past them
 * marked the guard page, and the next host call's answer (an exported realloc, which trapped whenever
 * the guard page was marked) ended the run with "RuntimeError: unreachable".
 */
describe("host calls after a kv.set, in every component language", () => {
  const grants = { kv: { namespace: "after-set" }, secrets: {} };
  const cases: Record<string, string[]> = {
    lua: [
      `function main() kiln.kv.set("b1", "hi") kiln.kv.set("b2", "ho") return 1 end`,
      `function main() kiln.kv.set("b3", "ho") kiln.kv.get("b1") return 1 end`,
      `kiln.kv.set("b4", "ho")\nkiln.kv.set("b5", "ho")\nfunction main() return 1 end`,
      `function main() pcall(kiln.kv.set, "b3", "ho") pcall(kiln.kv.set, "b3", "ho") return 1 end`,
      `function main() kiln.kv.set("b1", "hi") kiln.kv.set("b2", "ho") local a = kiln.kv.get("b1") kiln.kv.set("b6", a) kiln.log.write("info", a) return 1 end`,
    ],
    python: [
      `import kiln\ndef main(i):\n    kiln.kv.set("b1", "hi")\n    kiln.kv.set("b2", "ho")\n    return 1`,
      `import kiln\ndef main(i):\n    kiln.kv.set("b3", "ho")\n    kiln.kv.get("b1")\n    return 1`,
      `import kiln\ndef main(i):\n    kiln.kv.set("b1", "hi")\n    kiln.kv.set("b2", "ho")\n    a = kiln.kv.get("b1")\n    kiln.kv.set("b6", a)\n    kiln.log.write("info", a)\n    return 1`,
    ],
    ruby: [
      `def main(i)\n  Kiln::KV.set("b1", "hi")\n  Kiln::KV.set("b2", "ho")\n  1\nend`,
      `def main(i)\n  Kiln::KV.set("b3", "ho")\n  Kiln::KV.get("b1")\n  1\nend`,
      `def main(i)\n  Kiln::KV.set("b1", "hi")\n  Kiln::KV.set("b2", "ho")\n  a = Kiln::KV.get("b1")\n  Kiln::KV.set("b6", a)\n  Kiln::Log.write("info", a)\n  1\nend`,
    ],
  };
  it("covers every component language", async () => {
    const { componentRuntimes } = await import("../../../languages/index.ts");
    expect(Object.keys(cases).sort()).toEqual(componentRuntimes.map((r) => r.language.name).sort());
  });
  for (const [language, codes] of Object.entries(cases)) {
    it(`${language}: each run answers 1, fresh and warm`, async () => {
      for (const code of codes) {
        for (let round = 0; round < 2; round++) {
          const out = await engine.run(job(language, code, { grants }));
          expect({ code, round, out: out.ok ? out.result : out.error }).toEqual({ code, round, out: 1 });
        }
      }
    }, 120_000);
  }
});
