import binaryen from "binaryen";
import { CAP_GLOBAL, FUEL_GLOBAL, STATE_GLOBAL_PREFIX } from "./instance-globals.ts";
import { virtualisePages } from "./virtual-pages.ts";

/** memory.copy/fill: binaryen 123 insists on it beside BulkMemory (missing from its typings). */
const BULK_MEMORY_OPT = (binaryen.Features as unknown as Record<string, number>).BulkMemoryOpt ?? 0;

/** What the runtimes here are compiled with (clang 19 defaults plus Wasm exceptions), and what Node 20 runs. */
export const SAFE_FEATURES =
  binaryen.Features.MVP |
  binaryen.Features.MutableGlobals |
  binaryen.Features.SignExt |
  binaryen.Features.BulkMemory |
  BULK_MEMORY_OPT |
  binaryen.Features.NontrappingFPToInt |
  binaryen.Features.ReferenceTypes |
  binaryen.Features.Multivalue |
  binaryen.Features.ExceptionHandling;


/** Exports each mutable global a module defines (imports excluded) as `__kiln_g<i>`. */
function exportStateGlobals(mod: binaryen.Module, skip: readonly string[]): void {
  for (let i = 0; i < mod.getNumGlobals(); i++) {
    const info = binaryen.getGlobalInfo(mod.getGlobalByIndex(i));
    if (info.mutable && !info.module && !skip.includes(info.name)) mod.addGlobalExport(info.name, `${STATE_GLOBAL_PREFIX}${i}`);
  }
}

/**
 * Exports the mutable globals of a module that keeps state beside the main one (jco's WASI adapter:
 * its stack pointer and allocation state), so an instance's whole state can be restored. Modules
 * without mutable globals come back unchanged.
 */
export function exportModuleState(bytes: Uint8Array): Uint8Array {
  const mod = binaryen.readBinary(bytes);
  try {
    let mutable = 0;
    for (let i = 0; i < mod.getNumGlobals(); i++) {
      const info = binaryen.getGlobalInfo(mod.getGlobalByIndex(i));
      if (info.mutable && !info.module) mutable++;
    }
    if (mutable === 0) return bytes;
    mod.setFeatures(binaryen.Features.All);
    exportStateGlobals(mod, []);
    mod.setFeatures(SAFE_FEATURES);
    if (!mod.validate()) throw new Error("exportModuleState: the module does not validate");
    return new Uint8Array(mod.emitBinary());
  } finally {
    mod.dispose();
  }
}

/**
 * Adds metered fuel to a core wasm module (a build-time step, done once per artifact): binaryen's
 * `log-execution` pass puts a call at every function entry and loop header, and that call becomes a
 * defined function that decrements the mutable i64 global `__kiln_fuel` and traps (`unreachable`) once it
 * is below zero. The global is exported, and so is every other mutable global (`__kiln_g<i>`), so that
 * an initialised instance can be snapshotted and restored. One unit is one function entry or loop iteration, so a given
 * input always burns the same fuel. The output uses a fixed, widely supported feature set (legacy
 * exception handling included): binaryen's `All` writes encodings that jco and Node 20 refuse.
 */
export function instrumentFuel(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const mod = binaryen.readBinary(bytes);
  try {
    mod.setFeatures(binaryen.Features.All);
    mod.runPasses(["log-execution"]);
    // log-execution imports `log_execution(i32)`; replace that import with the metering function.
    let logger: string | undefined;
    for (let i = 0; i < mod.getNumFunctions(); i++) {
      const info = binaryen.getFunctionInfo(mod.getFunctionByIndex(i));
      if (info.module && info.base === "log_execution") logger = info.name;
    }
    if (!logger) throw new Error("instrumentFuel: the log-execution pass added no hook");
    mod.removeFunction(logger);
    // Before the state globals are exported: the virtual page count is state, restored with the rest.
    virtualisePages(mod);
    exportStateGlobals(mod, [CAP_GLOBAL]);
    mod.addGlobal(FUEL_GLOBAL, binaryen.i64, true, mod.i64.const(0, 0));
    mod.addGlobalExport(FUEL_GLOBAL, FUEL_GLOBAL);
    const left = () => mod.global.get(FUEL_GLOBAL, binaryen.i64);
    mod.addFunction(
      logger,
      binaryen.createType([binaryen.i32]),
      binaryen.none,
      [],
      mod.block(null, [
        mod.global.set(FUEL_GLOBAL, mod.i64.sub(left(), mod.i64.const(1, 0))),
        mod.if(mod.i64.lt_s(left(), mod.i64.const(0, 0)), mod.unreachable()),
      ]),
    );
    // Inline the metering into every call site: a call per loop iteration would almost double run time.
    binaryen.setAlwaysInlineMaxSize(64);
    mod.runPasses(["inlining"]);
    mod.setFeatures(SAFE_FEATURES);
    if (!mod.validate()) throw new Error("instrumentFuel: the instrumented module does not validate");
    return new Uint8Array(mod.emitBinary());
  } finally {
    mod.dispose();
  }
}
