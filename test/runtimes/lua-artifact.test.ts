/**
 * The committed Lua runtime artifact: its hash matches the recipe's record, and the reactor really runs
 * Lua. A minimal preview-1 host lives here only to exercise the artifact (stdio capture, a clock, no files);
 * the engine's WASI host comes with the component engine.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";

const DIR = new URL("../../runtimes/lua/", import.meta.url);
const bytes = readFileSync(new URL("lua.wasm", DIR));
let module: WebAssembly.Module;
beforeAll(() => {
  module = new WebAssembly.Module(bytes);
});

const EBADF = 8;
const ENOSYS = 52;

/** Instantiates the reactor and runs `code`; returns its status and captured output. */
async function runLua(code: string) {
  const out = { stdout: "", stderr: "" };
  let memory!: WebAssembly.Memory;
  const view = () => new DataView(memory.buffer);
  const decoder = new TextDecoder();
  const wasi: Record<string, (...args: number[]) => number> = {
    fd_write(fd, iovs, count, written) {
      if (fd !== 1 && fd !== 2) return EBADF;
      let n = 0;
      for (let i = 0; i < count; i++) {
        const ptr = view().getUint32(iovs + i * 8, true);
        const len = view().getUint32(iovs + i * 8 + 4, true);
        out[fd === 1 ? "stdout" : "stderr"] += decoder.decode(new Uint8Array(memory.buffer, ptr, len));
        n += len;
      }
      view().setUint32(written, n, true);
      return 0;
    },
    clock_time_get(_id, _precision, result) {
      view().setBigUint64(result, 1_700_000_000_000_000_000n, true);
      return 0;
    },
    fd_fdstat_get: (fd) => (fd <= 2 ? 0 : EBADF),
    fd_prestat_get: () => EBADF,
    proc_exit: (code) => {
      throw new Error(`exit ${code}`);
    },
  };
  const imports = new Proxy(wasi, { get: (t, name: string) => t[name] ?? (() => ENOSYS) });
  const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: imports });
  const ex = instance.exports as Record<string, any>;
  memory = ex.memory;
  ex._initialize();
  expect(ex.kiln_init()).toBe(0);
  const src = new TextEncoder().encode(code);
  const ptr = ex.kiln_alloc(src.length);
  new Uint8Array(memory.buffer, ptr, src.length).set(src);
  const status = ex.kiln_run(ptr, src.length) as number;
  return { status, ...out, memoryBytes: memory.buffer.byteLength };
}

describe("runtimes/lua/lua.wasm", () => {
  it("matches the recorded sha256", () => {
    const recorded = readFileSync(new URL("lua.wasm.sha256", DIR), "utf8").split(/\s+/)[0];
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(recorded);
  });

  it("imports only WASI preview 1 and exports the reactor API", () => {
    expect(new Set(WebAssembly.Module.imports(module).map((i) => i.module))).toEqual(new Set(["wasi_snapshot_preview1"]));
    expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(["_initialize", "cabi_realloc", "kiln_alloc", "kiln_free", "kiln_init", "kiln_run", "memory"]);
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
    const out = await runLua(`print(type(io), type(require), type(dofile), type(loadfile), type(os.getenv), type(os.execute), type(debug), type(package))
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
