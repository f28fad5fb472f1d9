import { RUNTIME_HOST_WIT } from "../../src/engine/component/runtime-descriptor.ts";

/** The component world of the prepared Ruby core: init, then eval into a raw VALUE read back as a string. */
export const RUBY_WIT = `package kiln:runtime@0.1.0;
${RUNTIME_HOST_WIT}
world ruby {
  import host;
  export ruby-init: func(args: list<string>);
  export evaluate: func(code: string) -> tuple<u32, s32>;
  export rstring-ptr: func(value: u32) -> string;
}
`;

/** Old export name → the world's name; every other export but memory, cabi_realloc and _initialize goes. */
const RENAMED: Record<string, string> = {
  "ruby-init: func(args: list<string>) -> ()": "ruby-init",
  "rb-eval-string-protect: func(str: string) -> tuple<handle<rb-abi-value>, s32>": "evaluate",
  "rstring-ptr: func(value: handle<rb-abi-value>) -> string": "rstring-ptr",
  "cabi_post_rstring-ptr": "cabi_post_rstring-ptr",
};
const KEPT = new Set(["memory", "cabi_realloc", "_initialize"]);
/** The internal name of the added host import. */
const CALL_JSON = "kiln$call_json";

/**
 * Makes ruby.wasm (a wit-bindgen-era reactor) fit a component world, in one binaryen pass:
 * - the 21 `rb-js-abi-host` imports (the JS interop behind `require 'js'`) become traps: no guest
 *   reaches a host object. Two of them are Kiln's way out instead: `eval-js(text)` sends `text` to
 *   the host's `call-json` and returns the answer as a handle (a 12-byte block: result tag, string
 *   pointer and length), and `js-value-to-string(handle)` hands that string over, once. So
 *   `JS.eval('["kv.get", ["key"]]').to_s` is a host call, and nothing else in `JS` does anything;
 * - the `canonical_abi` resource imports become identity (new/get) and a no-op (drop), so a
 *   handle is the raw VALUE;
 * - exports are cut to the world above (the wasi-vfs and asyncify exports go).
 */
export async function prepareRubyCore(bytes: Uint8Array): Promise<Uint8Array> {
  // Loaded here, at build time only: binaryen takes most of a second to load, and serving never needs it.
  const { default: binaryen } = await import("binaryen");
  const mod = binaryen.readBinary(bytes);
  try {
    mod.setFeatures(binaryen.Features.All);
    const replaced: { name: string; base: string; params: number; results: number; body: () => number }[] = [];
    for (let i = 0; i < mod.getNumFunctions(); i++) {
      const info = binaryen.getFunctionInfo(mod.getFunctionByIndex(i));
      if (!info.module) continue;
      const { name, params, results } = info;
      if (info.module === "rb-js-abi-host") replaced.push({ name, base: info.base ?? "", params, results, body: () => mod.unreachable() });
      else if (info.module === "canonical_abi" && info.base?.startsWith("resource_drop_")) replaced.push({ name, base: info.base ?? "", params, results, body: () => mod.nop() });
      else if (info.module === "canonical_abi") replaced.push({ name, base: info.base ?? "", params, results, body: () => mod.local.get(0, binaryen.i32) });
      else if (info.module !== "wasi_snapshot_preview1") throw new Error(`prepareRubyCore: unexpected import ${info.module}.${info.base}`);
    }
    const exportsBefore: { name: string; value: string }[] = [];
    for (let i = 0; i < mod.getNumExports(); i++) exportsBefore.push(binaryen.getExportInfo(mod.getExportByIndex(i)));
    const realloc = exportsBefore.find((e) => e.name === "cabi_realloc")?.value;
    if (!realloc) throw new Error("prepareRubyCore: ruby.wasm exports no cabi_realloc");
    mod.addFunctionImport(CALL_JSON, "kiln:runtime/host@0.1.0", "call-json", binaryen.createType([binaryen.i32, binaryen.i32, binaryen.i32]), binaryen.none);
    const i32 = binaryen.i32;
    const get = (index: number) => mod.local.get(index, i32);
    for (const f of replaced) {
      mod.removeFunction(f.name);
      if (f.base.startsWith("eval-js:")) {
        // (code ptr, code len, retptr) -> variant { success(handle), failure(handle) } at retptr: u8 tag @0, handle @4.
        mod.addFunction(f.name, f.params, f.results, [i32], mod.block(null, [
          mod.local.set(3, mod.call(realloc, [mod.i32.const(0), mod.i32.const(0), mod.i32.const(4), mod.i32.const(12)], i32)),
          mod.call(CALL_JSON, [get(0), get(1), get(3)], binaryen.none),
          mod.i32.store8(0, 1, get(2), mod.i32.load8_u(0, 1, get(3))),
          mod.i32.store(4, 4, get(2), get(3)),
        ]));
      } else if (f.base.startsWith("js-value-to-string:")) {
        // (handle, retptr) -> string at retptr: ptr @0, len @4; the string is handed over once.
        mod.addFunction(f.name, f.params, f.results, [], mod.block(null, [
          mod.i32.store(0, 4, get(1), mod.i32.load(4, 4, get(0))),
          mod.i32.store(4, 4, get(1), mod.i32.load(8, 4, get(0))),
          mod.i32.store(4, 4, get(0), mod.i32.const(0)),
          mod.i32.store(8, 4, get(0), mod.i32.const(0)),
        ]));
      } else {
        mod.addFunction(f.name, f.params, f.results, [], f.body());
      }
    }
    const exports: { name: string; value: string; kind: number }[] = [];
    for (let i = 0; i < mod.getNumExports(); i++) exports.push(binaryen.getExportInfo(mod.getExportByIndex(i)));
    for (const e of exports) {
      if (KEPT.has(e.name)) continue;
      mod.removeExport(e.name);
      const renamed = RENAMED[e.name];
      if (renamed) mod.addFunctionExport(e.value, renamed);
    }
    const missing = Object.values(RENAMED).filter((name) => !exports.some((e) => RENAMED[e.name] === name));
    if (missing.length) throw new Error(`prepareRubyCore: ruby.wasm lacks ${missing.join(", ")}`);
    return mod.emitBinary();
  } finally {
    mod.dispose();
  }
}
