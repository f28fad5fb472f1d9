/** The committed Lua runtime artifact: its hash matches the recipe's record, and the reactor really runs Lua. */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { runLuaReactor } from "../../helpers/lua-reactor.ts";

const DIR = new URL("../../../languages/lua/", import.meta.url);
const bytes = readFileSync(new URL("lua.wasm", DIR));
let module: WebAssembly.Module;
beforeAll(() => {
  module = new WebAssembly.Module(bytes);
});
const runLua = (code: string) => runLuaReactor(module, code);

describe("languages/lua/lua.wasm", () => {
  it("matches the recorded sha256", () => {
    const recorded = readFileSync(new URL("lua.wasm.sha256", DIR), "utf8").split(/\s+/)[0];
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(recorded);
  });

  it("imports only WASI preview 1 and Kiln's host-call function, and exports the reactor API", () => {
    expect(new Set(WebAssembly.Module.imports(module).map((i) => i.module))).toEqual(new Set(["wasi_snapshot_preview1", "kiln:runtime/host@0.1.0"]));
    expect(WebAssembly.Module.imports(module).filter((i) => i.module.startsWith("kiln:")).map((i) => i.name)).toEqual(["call"]);
    expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(["_initialize", "cabi_realloc", "kiln_alloc", "kiln_free", "kiln_init", "kiln_run", "memory", "run"]);
  });

  it("runs Lua and prints", async () => {
    expect(await runLua("print(1 + 1, ('x'):rep(3), math.max(3, 7), utf8.char(955))")).toMatchObject({ status: 0, stdout: "2\txxx\t7\tλ\n" });
  });

  it("handles errors with WebAssembly exceptions: pcall, error, coroutines", async () => {
    const out = await runLua(`
      print(pcall(error, "boom"))
      local co = coroutine.wrap(function (a) local b = coroutine.yield(a + 1) return b * 2 end)
      print(co(1), co(10))
      print(select(2, pcall(function () local t = nil; return t.x end)))`);
    expect(out.status).toBe(0);
    expect(out.stdout.split("\n").slice(0, 3)).toEqual(["false\tboom", "2\t20", "script:5: attempt to index a nil value (local 't')"]);
  });

  it("reports runtime and syntax errors with their status", async () => {
    expect(await runLua("error('bad thing')")).toMatchObject({ status: 1, stderr: expect.stringContaining("bad thing") });
    expect(await runLua("local = 1")).toMatchObject({ status: 2, stderr: expect.stringContaining("script:1:") });
  });

  it("offers no file, process or environment access, and no bytecode", async () => {
    const out = await runLua(`print(type(io.open), type(require), type(dofile), type(loadfile), type(os.getenv), type(os.execute), type(debug), type(package))
      print(load(string.dump(function () end)))
      print(load(string.dump(function () end), "=dumped", "b"))
      print(load(function () return string.dump(function () end) end, "=dumped", "bt"))`);
    const lines = out.stdout.split("\n");
    expect(lines[0]).toBe(Array(8).fill("nil").join("\t"));
    // Whatever mode load is given, a binary chunk is refused (build.sh patches ldo.c's check).
    expect(lines.slice(1, 4)).toEqual(Array(3).fill("nil\tattempt to load a binary chunk (mode is 't')"));
  });

  it("has io.stdout and io.stderr file objects whose write chains, and io.write returning io.stdout", async () => {
    const out = await runLua(`io.stdout:write("a", 1, "b"):write("c\\n")
      assert(io.write("d") == io.stdout)
      io.stderr:write("x"):write("y")
      io.stdout:flush() io.stderr:flush() io.flush()
      print(pcall(io.stdout.write, "z"))`);
    expect(out).toMatchObject({ status: 0, stderr: "xy" });
    expect(out.stdout).toMatch(/^a1bc\ndfalse\t.*bad argument #1 to '[^']+' \(file expected, got string\)\n$/);
  });

  it("ends deep recursion in Lua's catchable stack overflow error, far below the memory a small cap allows", async () => {
    const out = await runLua("local n = 0 local function f() n = n + 1 f() end print(pcall(f)) print(n)");
    expect(out.status).toBe(0);
    const [caught, depth] = out.stdout.split("\n");
    expect(caught).toBe("false\tscript:1: stack overflow");
    // LUAI_MAXSTACK is 100,000 slots: as deep as that goes, in well under 24 MiB (the smallest memory cap).
    expect(Number(depth)).toBeGreaterThan(90_000);
    expect(out.memoryBytes).toBeLessThan(16 << 20);
    expect(await runLua("local function f(n) return 1 + f(n + 1) end f(1)")).toMatchObject({ status: 1, stderr: expect.stringContaining("stack overflow") });
  });

  it("tells a message handler the line of the innermost frame of the chunk named script", async () => {
    const out = await runLua(`local function handler(e) local line, traceback = __kiln_where() return line .. "|" .. traceback end
      local function g()
        error("boom")
      end
      print(select(2, xpcall(g, handler)))
      print(select(2, xpcall(load("error('elsewhere')", "=other"), handler)))`);
    expect(out.status).toBe(0);
    const [first, ...rest] = out.stdout.split("\n");
    expect(first).toBe("3|stack traceback:");
    expect(rest.join("\n")).toMatch(/^\t\[C\]: in function 'error'\n\tscript:3: in function <script:2>\n/);
    // A frame of another chunk does not count: the innermost script frame is the one that called xpcall.
    expect(out.stdout).toContain("\n6|stack traceback:\n\t[C]: in function 'error'\n\tother:1: in main chunk");
  });

  it("ends a memory bomb as out of memory at the linked maximum", async () => {
    const out = await runLua("local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(100000) .. i end");
    expect(out.status).toBe(3);
    expect(out.stderr).toMatch(/not enough memory/);
  });
});
