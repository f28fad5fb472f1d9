import binaryen from "binaryen";
import { expressionChildren } from "./expression-children.ts";
import { CAP_GLOBAL, PAGES_GLOBAL } from "./instance-globals.ts";

// binaryen.js's expression classes and Function.setBody are missing from its typings.
const B = binaryen as any;
const SIZE = "__kiln_memory_size";
const GROW = "__kiln_memory_grow";
/** The most pages a 32-bit memory can have. */
const MAX_PAGES = 65_536;

/**
 * A build-time pass (with the fuel pass, on a runtime's main module): the guest's `memory.size` and
 * `memory.grow` read and move PAGES_GLOBAL instead of the memory itself, which only really grows
 * when the guest asks for more than it has. Why: a warm instance is restored to its snapshot after
 * each run, allocator included, but memory cannot shrink. Without this the restored allocator asks
 * for more pages, gets them past the ones an earlier run grew (zeroed, but unknown to it), and the
 * instance drifts a few pages a run until the pool replaces it. With it the guest sees the size it
 * had at its snapshot and grows back into those pages (zeroed by the restore, as fresh pages are).
 * The host grows memory too (the dirty bitmap's pages) and then sets PAGES_GLOBAL to the real size.
 *
 * The run's memory cap is CAP_GLOBAL, which the host sets before each run: `memory.grow` past it
 * fails as it would at a memory's maximum. So one compiled module serves every cap (its declared
 * maximum is only the server's ceiling), and a warm instance serves any cap its snapshot fits in.
 */
export function virtualisePages(mod: binaryen.Module): void {
  if (!mod.hasMemory()) return;
  if (mod.getMemoryInfo().is64) throw new Error("virtualisePages: 64-bit memories are not supported");
  const i32 = binaryen.i32;
  const defined: number[] = [];
  for (let i = 0; i < mod.getNumFunctions(); i++) {
    const func = mod.getFunctionByIndex(i);
    if (!binaryen.getFunctionInfo(func).module) defined.push(func);
  }
  mod.addGlobal(PAGES_GLOBAL, i32, true, mod.i32.const(0));
  mod.addGlobalExport(PAGES_GLOBAL, PAGES_GLOBAL);
  mod.addGlobal(CAP_GLOBAL, i32, true, mod.i32.const(MAX_PAGES));
  mod.addGlobalExport(CAP_GLOBAL, CAP_GLOBAL);
  const pages = () => mod.global.get(PAGES_GLOBAL, i32);
  const get = (index: number) => mod.local.get(index, i32);
  // size(): the virtual size, first taken from the real one.
  mod.addFunction(
    SIZE,
    binaryen.none,
    i32,
    [],
    mod.block(null, [mod.if(mod.i32.eqz(pages()), mod.global.set(PAGES_GLOBAL, mod.memory.size())), pages()], i32),
  );
  // grow(delta): the old virtual size, or -1 past the cap; memory really grows only past its real size.
  const [delta, old, want] = [0, 1, 2];
  mod.addFunction(
    GROW,
    binaryen.createType([i32]),
    i32,
    [i32, i32],
    mod.block(
      null,
      [
        mod.local.set(old, mod.call(SIZE, [], i32)),
        mod.if(mod.i32.gt_u(get(delta), mod.i32.sub(mod.i32.const(MAX_PAGES), get(old))), mod.return(mod.i32.const(-1))),
        mod.local.set(want, mod.i32.add(get(old), get(delta))),
        mod.if(mod.i32.gt_u(get(want), mod.global.get(CAP_GLOBAL, i32)), mod.return(mod.i32.const(-1))),
        mod.if(
          mod.i32.gt_u(get(want), mod.memory.size()),
          mod.if(mod.i32.eq(mod.memory.grow(mod.i32.sub(get(want), mod.memory.size())), mod.i32.const(-1)), mod.return(mod.i32.const(-1))),
        ),
        mod.global.set(PAGES_GLOBAL, get(want)),
        get(old),
      ],
      i32,
    ),
  );
  for (const func of defined) rewrite(mod, func);
}

/** Replaces every memory.size and memory.grow in a function with calls to SIZE and GROW (iteratively: Ruby's functions nest deep). */
function rewrite(mod: binaryen.Module, func: number): void {
  const replacement = (expr: number): number | undefined => {
    const id = B.Expression.getId(expr) as number;
    if (id === B.MemorySizeId) return mod.call(SIZE, [], binaryen.i32);
    if (id === B.MemoryGrowId) return mod.call(GROW, [B.MemoryGrow.getDelta(expr) as number], binaryen.i32);
    return undefined;
  };
  const body = binaryen.getFunctionInfo(func).body;
  if (!body) return;
  const root = replacement(body);
  if (root !== undefined) B.Function.setBody(func, root);
  const stack = [root ?? body];
  while (stack.length) {
    for (const slot of expressionChildren(stack.pop()!)) {
      const next = replacement(slot.child);
      if (next !== undefined) slot.replace(next);
      stack.push(next ?? slot.child);
    }
  }
}
