import binaryen from "binaryen";
import { DIRTY_BASE_GLOBAL, DIRTY_SHIFT_GLOBAL } from "./dirty-bitmap.ts";
import { expressionChildren } from "./expression-children.ts";
import { SAFE_FEATURES } from "./instrument-fuel.ts";

export { DIRTY_BASE_GLOBAL, DIRTY_SHIFT_GLOBAL };
/**
 * Bytes past a pointer argument of an imported function the host may write (its return area). jco
 * writes a result of up to 104 bytes through such a pointer for WASI 0.2; a test checks the glue.
 */
export const IMPORT_ARG_REACH = 256;

const PREFIX = "__kiln_dirty_";
const MARK_RANGE = `${PREFIX}mark_range`;
// binaryen.js's expression classes (Store.setPtr, Call.setTarget, …) are missing from its typings.
const B = binaryen as any;
const i32 = binaryen.i32;

/**
 * Adds dirty-page tracking to a core module that writes linear memory (a build-time step): every
 * store (all widths, atomics, SIMD lanes) first sets `bitmap[(address + offset) >>> 16] = 1`;
 * memory.fill, memory.copy and memory.init mark their destination range; every call to an imported
 * function goes through a thunk marking the pages each i32 argument points into (the host writes
 * results through such pointers); and every exported `*realloc*` marks the block it returns (the host
 * writes strings and lists there). The marks are plain stores to `DIRTY_BASE_GLOBAL` + page and are
 * not tracked themselves. Modules without memory come back unchanged; a start function is refused
 * (it would run before the host sets the bitmap up) unless `allowStart` says where its marks land is
 * harmless (QuickJS: bytes 0 and 1, below emscripten's data at 1024).
 */
export function instrumentDirty(bytes: Uint8Array, options: { allowStart?: boolean } = {}): Uint8Array<ArrayBuffer> {
  const mod = binaryen.readBinary(bytes);
  try {
    if (!mod.hasMemory()) return new Uint8Array(bytes);
    if (!options.allowStart && hasStartSection(bytes)) throw new Error("instrumentDirty: modules with a start function are not supported");
    if (mod.getMemoryInfo().is64) throw new Error("instrumentDirty: 64-bit memories are not supported");
    mod.setFeatures(binaryen.Features.All);
    const defined: number[] = [];
    const imports: binaryen.FunctionInfo[] = [];
    for (let i = 0; i < mod.getNumFunctions(); i++) {
      const func = mod.getFunctionByIndex(i);
      const info = binaryen.getFunctionInfo(func);
      if (info.module) imports.push(info);
      else defined.push(func);
    }
    mod.addGlobal(DIRTY_BASE_GLOBAL, i32, true, mod.i32.const(0));
    mod.addGlobalExport(DIRTY_BASE_GLOBAL, DIRTY_BASE_GLOBAL);
    mod.addGlobal(DIRTY_SHIFT_GLOBAL, i32, true, mod.i32.const(31));
    mod.addGlobalExport(DIRTY_SHIFT_GLOBAL, DIRTY_SHIFT_GLOBAL);
    addMarkRange(mod);
    const thunks = new Map(imports.map((info) => [info.name, addImportThunk(mod, info)]));
    for (const func of defined) instrumentFunction(mod, func, thunks);
    checkTables(mod, thunks);
    wrapReallocs(mod);
    // What the runtimes use (see instrumentFuel), plus SIMD and atomics, whose stores are marked too.
    mod.setFeatures(SAFE_FEATURES | binaryen.Features.SIMD128 | binaryen.Features.Atomics);
    if (!mod.validate()) throw new Error("instrumentDirty: the instrumented module does not validate");
    return new Uint8Array(mod.emitBinary());
  } finally {
    mod.dispose();
  }
}

/**
 * `global.get` of one of the two globals. binaryen.js's own `global.get` leaves its name on the
 * emscripten stack at every call (Ruby's ~240k stores overflow it), so the names are C strings made once.
 */
const globalGet = (() => {
  const names = new Map<string, number>();
  return (mod: binaryen.Module, name: string): number => {
    let ptr = names.get(name);
    if (ptr === undefined) {
      const bytes = new TextEncoder().encode(`${name}\0`);
      ptr = B._malloc(bytes.length) as number;
      B.HEAPU8.set(bytes, ptr);
      names.set(name, ptr);
    }
    return B._BinaryenGlobalGet(mod.ptr, ptr, i32) as number;
  };
})();

/** `bitmap[address >>> shift] = 1`. */
function mark(mod: binaryen.Module, address: number): number {
  const page = mod.i32.shr_u(address, globalGet(mod, DIRTY_SHIFT_GLOBAL));
  return mod.i32.store8(0, 1, mod.i32.add(globalGet(mod, DIRTY_BASE_GLOBAL), page), mod.i32.const(1));
}

/** `mark_range(start, length)`: marks every page of [start, start + length); a range past 4 GiB (which traps) is marked to the end. */
function addMarkRange(mod: binaryen.Module): void {
  const [start, length, page, last] = [0, 1, 2, 3];
  const get = (index: number) => mod.local.get(index, i32);
  mod.addFunction(
    MARK_RANGE,
    binaryen.createType([i32, i32]),
    binaryen.none,
    [i32, i32],
    mod.block(null, [
      mod.if(mod.i32.eqz(get(length)), mod.return()),
      mod.local.set(last, mod.i32.add(get(start), mod.i32.sub(get(length), mod.i32.const(1)))),
      mod.if(mod.i32.lt_u(get(last), get(start)), mod.local.set(last, mod.i32.const(-1))),
      mod.local.set(page, mod.i32.shr_u(get(start), globalGet(mod, DIRTY_SHIFT_GLOBAL))),
      mod.local.set(last, mod.i32.shr_u(get(last), globalGet(mod, DIRTY_SHIFT_GLOBAL))),
      mod.loop(
        `${PREFIX}pages`,
        mod.block(null, [
          mod.i32.store8(0, 1, mod.i32.add(globalGet(mod, DIRTY_BASE_GLOBAL), get(page)), mod.i32.const(1)),
          mod.local.set(page, mod.i32.add(get(page), mod.i32.const(1))),
          mod.br(`${PREFIX}pages`, mod.i32.le_u(get(page), get(last))),
        ]),
      ),
    ]),
  );
}

/** A function with the import's signature that calls it, then marks what its i32 arguments point at (after: the host may have written there). */
function addImportThunk(mod: binaryen.Module, info: binaryen.FunctionInfo): string {
  const name = `${PREFIX}thunk_${info.name}`;
  const params = binaryen.expandType(info.params);
  const marks = params.flatMap((type, i) =>
    type === i32 ? [mark(mod, mod.local.get(i, i32)), mark(mod, mod.i32.add(mod.local.get(i, i32), mod.i32.const(IMPORT_ARG_REACH - 1)))] : [],
  );
  const call = mod.call(info.name, params.map((type, i) => mod.local.get(i, type)), info.results);
  const result = params.length;
  const body =
    info.results === binaryen.none
      ? mod.block(null, [call, ...marks])
      : mod.block(null, [mod.local.set(result, call), ...marks, mod.local.get(result, info.results)], info.results);
  mod.addFunction(name, info.params, info.results, info.results === binaryen.none ? [] : [info.results], body);
  return name;
}

const WRITES = new Set([binaryen.StoreId, binaryen.AtomicRMWId, binaryen.AtomicCmpxchgId, binaryen.SIMDLoadStoreLaneId, binaryen.MemoryFillId, binaryen.MemoryCopyId, binaryen.MemoryInitId]);

/**
 * Marks every memory write of one function and sends its calls of imports through their thunks. The
 * mark is stored after the write, so a write into the bitmap page cannot clear the mark that gives it away.
 */
function instrumentFunction(mod: binaryen.Module, func: number, thunks: ReadonlyMap<string, string>): void {
  const local = (type: number) => B._BinaryenFunctionAddVar(func, type) as number;
  let temp = -1;
  /**
   * `bitmap[(ptr + offset) >>> shift] = (write(ptr, …), 1)`: the mark's address is computed from the
   * pointer as it is evaluated, then the write runs (operands in their order), then the mark is
   * stored. One scratch local serves all: it is read back right after it is set, before any operand
   * that could hold another write. (Keeping it for after the write would take a local per nesting
   * depth, and Ruby's frames already nearly fill V8's default stack.)
   */
  const pointed = (write: number, cls: string, valueType: number) => {
    if (temp < 0) temp = local(i32);
    const offset = (B[cls].getOffset(write) as number) | 0;
    const ptr = mod.local.tee(temp, B[cls].getPtr(write), i32);
    const markAt = mod.i32.add(globalGet(mod, DIRTY_BASE_GLOBAL), mod.i32.shr_u(offset === 0 ? ptr : mod.i32.add(ptr, mod.i32.const(offset)), globalGet(mod, DIRTY_SHIFT_GLOBAL)));
    B[cls].setPtr(write, mod.local.get(temp, i32));
    if (valueType === binaryen.none) return mod.i32.store8(0, 1, markAt, mod.block(null, [write, mod.i32.const(1)], i32));
    const result = local(valueType);
    return mod.block(null, [mod.i32.store8(0, 1, markAt, mod.block(null, [mod.local.set(result, write), mod.i32.const(1)], i32)), mod.local.get(result, valueType)], valueType);
  };
  /** A bulk `write` with its destination and size kept, followed by the marks of that range. */
  const ranged = (write: number, cls: string) => {
    const [at, length] = [local(i32), local(i32)];
    B[cls].setDest(write, mod.local.tee(at, B[cls].getDest(write), i32));
    B[cls].setSize(write, mod.local.tee(length, B[cls].getSize(write), i32));
    return mod.block(null, [write, mod.call(MARK_RANGE, [mod.local.get(at, i32), mod.local.get(length, i32)], binaryen.none)]);
  };
  // Post-order, so that a write is wrapped after the writes in its operands (their slots are set first).
  interface Entry {
    expr: number;
    replace(next: number): void;
    open: boolean;
  }
  const stack: Entry[] = [{ expr: B.Function.getBody(func), replace: (next) => B.Function.setBody(func, next), open: false }];
  while (stack.length) {
    const entry = stack[stack.length - 1]!;
    const { expr } = entry;
    const id = B.Expression.getId(expr) as number;
    const writes = WRITES.has(id) && (id !== binaryen.SIMDLoadStoreLaneId || B.SIMDLoadStoreLane.isStore(expr));
    if (!entry.open) {
      entry.open = true;
      for (const slot of expressionChildren(expr)) stack.push({ expr: slot.child, replace: slot.replace, open: false });
      continue;
    }
    stack.pop();
    const type = B.Expression.getType(expr) as number;
    // A write of type unreachable never completes (an operand traps or branches away), so it writes nothing.
    if (writes && type !== binaryen.unreachable) {
      if (id === binaryen.StoreId) entry.replace(pointed(expr, "Store", binaryen.none));
      else if (id === binaryen.SIMDLoadStoreLaneId) entry.replace(pointed(expr, "SIMDLoadStoreLane", binaryen.none));
      else if (id === binaryen.AtomicRMWId) entry.replace(pointed(expr, "AtomicRMW", type));
      else if (id === binaryen.AtomicCmpxchgId) entry.replace(pointed(expr, "AtomicCmpxchg", type));
      else if (id === binaryen.MemoryFillId) entry.replace(ranged(expr, "MemoryFill"));
      else if (id === binaryen.MemoryCopyId) entry.replace(ranged(expr, "MemoryCopy"));
      else entry.replace(ranged(expr, "MemoryInit"));
    } else if (id === binaryen.CallId) {
      const thunk = thunks.get(B.Call.getTarget(expr));
      if (thunk) B.Call.setTarget(expr, thunk);
    } else if (id === binaryen.RefFuncId) {
      const thunk = thunks.get(B.RefFunc.getFunc(expr));
      if (thunk) B.RefFunc.setFunc(expr, thunk);
    }
  }
}

/** An import reached through a table would bypass its thunk: refused rather than left unmarked. */
function checkTables(mod: binaryen.Module, thunks: ReadonlyMap<string, string>): void {
  for (let i = 0; i < B._BinaryenGetNumElementSegments(mod.ptr); i++) {
    const info = binaryen.getElementSegmentInfo(B._BinaryenGetElementSegmentByIndex(mod.ptr, i));
    const reached = info.data.find((name) => thunks.has(name));
    if (reached) throw new Error(`instrumentDirty: the imported function ${reached} is in a table`);
  }
}

/**
 * Points every exported `*realloc*` (canonical ABI: old, old size, align, new size → block) at a
 * wrapper that marks the block it returns, and traps when that block reaches into the guard or bitmap
 * page. Only the block counts: a mark the guard page got earlier (an import thunk's IMPORT_ARG_REACH
 * past a pointer near the end of the guest's first pages, or a store there) is no reason to trap; it
 * only makes the next restore copy all of memory (DirtyBitmap.dirtyPages).
 */
function wrapReallocs(mod: binaryen.Module): void {
  const exports = Array.from({ length: mod.getNumExports() }, (_, i) => binaryen.getExportInfo(mod.getExportByIndex(i)));
  for (const exp of exports) {
    if (exp.kind !== binaryen.ExternalFunction || !exp.name.includes("realloc")) continue;
    const info = binaryen.getFunctionInfo(mod.getFunction(exp.value));
    if (binaryen.expandType(info.params).join() !== [i32, i32, i32, i32].join() || info.results !== i32) {
      throw new Error(`instrumentDirty: the export ${exp.name} does not have the canonical ABI realloc signature`);
    }
    const name = `${PREFIX}realloc_${exp.name}`;
    const [size, block, bitmap, last] = [3, 4, 5, 6];
    const get = (index: number) => mod.local.get(index, i32);
    mod.addFunction(
      name,
      info.params,
      i32,
      [i32, i32, i32],
      mod.block(
        null,
        [
          mod.local.set(block, mod.call(exp.value, [0, 1, 2, 3].map((i) => mod.local.get(i, i32)), i32)),
          mod.call(MARK_RANGE, [get(block), get(size)], binaryen.none),
          // The host writes the block after this returns, and could overwrite the marks of the guard
          // and bitmap pages there (the host does not mark): a block reaching into them is a trap.
          mod.if(
            mod.i32.and(mod.i32.ne(globalGet(mod, DIRTY_BASE_GLOBAL), mod.i32.const(0)), mod.i32.ne(get(size), mod.i32.const(0))),
            mod.block(null, [
              mod.local.set(bitmap, mod.i32.shr_u(globalGet(mod, DIRTY_BASE_GLOBAL), mod.i32.const(16))),
              mod.local.set(last, mod.i32.add(get(block), mod.i32.sub(get(size), mod.i32.const(1)))),
              // A block past 4 GiB reaches the last page.
              mod.local.set(last, mod.select(mod.i32.lt_u(get(last), get(block)), mod.i32.const(0xffff), mod.i32.shr_u(get(last), mod.i32.const(16)))),
              // [first page, last page] meets [guard page = bitmap page - 1, bitmap page].
              mod.if(
                mod.i32.and(mod.i32.le_u(mod.i32.shr_u(get(block), mod.i32.const(16)), get(bitmap)), mod.i32.ge_u(get(last), mod.i32.sub(get(bitmap), mod.i32.const(1)))),
                mod.unreachable(),
              ),
            ]),
          ),
          get(block),
        ],
        i32,
      ),
    );
    mod.removeExport(exp.name);
    mod.addFunctionExport(name, exp.name);
  }
}

/** Whether a wasm binary has a start section (id 8). */
function hasStartSection(bytes: Uint8Array): boolean {
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos]!;
    let size = 0;
    let shift = 0;
    let at = pos + 1;
    for (;;) {
      const byte = bytes[at++]!;
      size |= (byte & 0x7f) << shift;
      if (!(byte & 0x80)) break;
      shift += 7;
    }
    if (id === 8) return true;
    pos = at + (size >>> 0);
  }
  return false;
}
