import type { QuickJSContext } from "quickjs-emscripten-core";
import { contextPointer } from "./quickjs-internals.ts";
import { QuickJSInstance } from "./quickjs-instance.ts";
import { drawSeed } from "../seed.ts";

const MASK = (1n << 64n) - 1n;
/** How far into the context struct the search looks. */
const SEARCH_BYTES = 4096;

/** One step of QuickJS's xorshift64* state (`Math.random`'s generator). */
function xorshift64(x: bigint): bigint {
  x ^= x >> 12n;
  x = (x ^ (x << 25n)) & MASK;
  return x ^ (x >> 27n);
}

/**
 * Where `Math.random`'s state sits in a QuickJS context, as an offset from the context pointer.
 * A snapshot holds that state, so every run from it would draw the same numbers; the engine writes a
 * fresh seed there after each restore. The offset is a property of the wasm build: it is found
 * once, on a throwaway instance, as the only 64-bit word of the context that two `Math.random()`
 * calls advance by exactly one xorshift64* step. Undefined (no snapshots then) if that is not unique.
 */
export async function locateRandomState(wasmModule: WebAssembly.Module, options: { initialPages: number }): Promise<number | undefined> {
  using instance = await QuickJSInstance.create(wasmModule, { memoryMb: 64, initialPages: options.initialPages });
  const rt = instance.module.newRuntime();
  const ctx = rt.newContext();
  try {
    const base = contextPointer(ctx);
    const draw = () => ctx.unwrapResult(ctx.evalCode("Math.random()")).dispose();
    const words = () => {
      const view = new DataView(instance.memory.buffer, base, SEARCH_BYTES);
      return Array.from({ length: SEARCH_BYTES / 8 }, (_, i) => view.getBigUint64(i * 8, true));
    };
    draw(); // in case the state is seeded on first use
    const before = words();
    draw();
    const after = words();
    const hits = before.flatMap((word, i) => (word !== 0n && after[i] === xorshift64(word) ? [i * 8] : []));
    return hits.length === 1 ? hits[0] : undefined;
  } finally {
    ctx.dispose();
    rt.dispose();
  }
}

/** The 64-bit random state of a context, given its offset. */
export function readRandomState(ctx: QuickJSContext, memory: WebAssembly.Memory, offset: number): bigint {
  return new DataView(memory.buffer).getBigUint64(contextPointer(ctx) + offset, true);
}

/** Writes a seed (by default a fresh one from the host's CSPRNG; a replay's recorded one) into a context's random state. */
export function reseedRandomState(ctx: QuickJSContext, memory: WebAssembly.Memory, offset: number, seed: bigint = drawSeed()): void {
  new DataView(memory.buffer).setBigUint64(contextPointer(ctx) + offset, seed || 1n, true);
}
