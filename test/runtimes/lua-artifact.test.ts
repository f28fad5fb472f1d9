/** The committed Lua runtime artifact: its hash matches the recipe's record, and the reactor really runs Lua. */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { runLuaReactor } from "../helpers/lua-reactor.ts";

const DIR = new URL("../../runtimes/lua/", import.meta.url);
const bytes = readFileSync(new URL("lua.wasm", DIR));
let module: WebAssembly.Module;
beforeAll(() => {
  module = new WebAssembly.Module(bytes);
});
const runLua = (code: string) => runLuaReactor(module, code);

describe("runtimes/lua/lua.wasm", () => {
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
      print(load(string.dump(function () end)))`);
    expect(out.stdout.split("\n")[0]).toBe(Array(8).fill("nil").join("\t"));
    expect(out.stdout).toMatch(/attempt to load a binary chunk/);
  });

  it("ends a memory bomb as out of memory at the linked maximum", async () => {
    const out = await runLua("local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(100000) .. i end");
    expect(out.status).toBe(3);
    expect(out.stderr).toMatch(/not enough memory/);
  });
});
