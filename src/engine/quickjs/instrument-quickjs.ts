import binaryen from "binaryen";
import { instrumentDirty } from "../wasm/instrument-dirty.ts";
import { SAFE_FEATURES } from "../wasm/instrument-fuel.ts";
import { STACK_POINTER_EXPORT } from "./quickjs-instance.ts";

/**
 * The QuickJS build that snapshot sessions run on: every write to linear memory marks its 64 KiB page
 * (instrumentDirty; the module's start function runs before the host points the marks at a bitmap, so
 * they land on bytes 0 and 1, which emscripten never uses), and the C stack pointer is exported so the
 * host knows where the stack is at rest (the glue writes call arguments just below it). A build step,
 * run by adapters that have binaryen (Node); the engine core never imports this file. A change to
 * what it produces bumps INSTRUMENT_QUICKJS_VERSION (prepare-quickjs.ts), part of the cache key.
 */
export function instrumentQuickJS(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const mod = binaryen.readBinary(instrumentDirty(bytes, { allowStart: true }));
  try {
    mod.setFeatures(SAFE_FEATURES);
    const info = binaryen.getGlobalInfo(mod.getGlobalByIndex(0));
    if (info.module || info.type !== binaryen.i32 || !info.mutable) throw new Error("instrumentQuickJS: the first global is not the C stack pointer");
    mod.addGlobalExport(info.name, STACK_POINTER_EXPORT);
    if (!mod.validate()) throw new Error("instrumentQuickJS: the module does not validate");
    return new Uint8Array(mod.emitBinary());
  } finally {
    mod.dispose();
  }
}
