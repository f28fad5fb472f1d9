import binaryen from "binaryen";

/** The component world of the prepared Ruby core: init, then eval into a raw VALUE read back as a string. */
export const RUBY_WIT = `package kiln:runtime@0.1.0;
world ruby {
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

/**
 * Makes ruby.wasm (a wit-bindgen-era reactor) fit a component world, in one binaryen pass:
 * - the 21 `rb-js-abi-host` imports (the JS interop behind `require 'js'`) become traps: no guest
 *   reaches a host object;
 * - the `canonical_abi` resource imports become identity (new/get) and a no-op (drop), so a
 *   handle is the raw VALUE;
 * - exports are cut to the world above (the wasi-vfs and asyncify exports go).
 */
export function prepareRubyCore(bytes: Uint8Array): Uint8Array {
  const mod = binaryen.readBinary(bytes);
  try {
    mod.setFeatures(binaryen.Features.All);
    const replaced: { name: string; params: number; results: number; body: () => number }[] = [];
    for (let i = 0; i < mod.getNumFunctions(); i++) {
      const info = binaryen.getFunctionInfo(mod.getFunctionByIndex(i));
      if (!info.module) continue;
      const { name, params, results } = info;
      if (info.module === "rb-js-abi-host") replaced.push({ name, params, results, body: () => mod.unreachable() });
      else if (info.module === "canonical_abi" && info.base?.startsWith("resource_drop_")) replaced.push({ name, params, results, body: () => mod.nop() });
      else if (info.module === "canonical_abi") replaced.push({ name, params, results, body: () => mod.local.get(0, binaryen.i32) });
      else if (info.module !== "wasi_snapshot_preview1") throw new Error(`prepareRubyCore: unexpected import ${info.module}.${info.base}`);
    }
    for (const f of replaced) {
      mod.removeFunction(f.name);
      mod.addFunction(f.name, f.params, f.results, [], f.body());
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
