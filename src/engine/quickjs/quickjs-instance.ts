import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSWASMModule } from "quickjs-emscripten-core";
import variant from "@jitl/quickjs-wasmfile-release-sync";
import { createCappedMemory } from "../../limits/memory.ts";
import { endedNearCap } from "../outcome.ts";
import { DirtyBitmap, dirtyGlobalsOf } from "../wasm/dirty-bitmap.ts";
import { nonZeroPages } from "../wasm/memory-snapshot.ts";

/**
 * The page the dirty bitmap of an instrumented QuickJS instance lives in: the bottom of emscripten's
 * 5 MiB C stack ([~97 KiB, ~5.3 MiB), growing down), which the 256 KiB stack limit keeps scripts far
 * from. A write there marks the page itself and makes the next reset copy everything.
 */
const BITMAP_PAGE = 2;
/** The export under which the instrumented build exposes the C stack pointer (see instrument-quickjs.ts). */
export const STACK_POINTER_EXPORT = "__kiln_sp";

/** Dirty-page tracking of an instrumented instance: its bitmap, and where the C stack pointer rests between calls. */
export interface InstanceTracking {
  bitmap: DirtyBitmap;
  stackTop: number;
  /** The pages holding something when the instance was new (the same in every instance of its module). */
  starting: readonly number[];
}

/**
 * The pages holding something in a new instance of each module, before anything ran in it (data
 * segments, the library's setup): the same in every instance, so found once, by a scan of the first
 * (which faults that one instance's pages in; every other instance reads only the pages it wrote).
 */
const startingPages = new WeakMap<WebAssembly.Module, readonly number[]>();

/** startingPages of `wasmModule`, scanned from `memory` (a new instance's) the first time. */
export function startingPagesOf(wasmModule: WebAssembly.Module, memory: WebAssembly.Memory): readonly number[] {
  let starting = startingPages.get(wasmModule);
  if (!starting) startingPages.set(wasmModule, (starting = nonZeroPages(new Uint8Array(memory.buffer))));
  return starting;
}

/**
 * One instance of the QuickJS wasm module with its own capped linear memory.
 * Runs on it get a fresh runtime and context each; the instance itself is reused until it
 * is poisoned (an exception escaped a wasm call), grew too large, or ended a run near its cap.
 * An instance of the instrumented build (`tracked`) also knows which pages were written since its
 * marks were last cleared (snapshot sessions reset only those).
 */
export class QuickJSInstance implements Disposable {
  #poisoned = false;
  #disposed = false;

  private constructor(
    readonly module: QuickJSWASMModule,
    readonly memory: WebAssembly.Memory,
    readonly memoryMb: number,
    readonly tracking: InstanceTracking | undefined,
    /** Where the guest's clock (`Date.now()`, `new Date()`) reads from: a run with a tape sets it (quickjs-run.ts). */
    readonly clock: ClockHook,
  ) {}

  /** Instantiates the precompiled module against a fresh memory capped at `memoryMb`. */
  static async create(wasmModule: WebAssembly.Module, options: { memoryMb: number; initialPages: number; tracked?: boolean }): Promise<QuickJSInstance> {
    const memory = createCappedMemory(options.memoryMb, { initialPages: options.initialPages });
    const clock: ClockHook = { read: undefined };
    // Instantiated here rather than by the library, to reach the instrumented build's exports and to hook its clock.
    let exports: WebAssembly.Exports | undefined;
    const instantiateWasm = (imports: WebAssembly.Imports, onSuccess: (instance: WebAssembly.Instance) => void) => {
      void WebAssembly.instantiate(wasmModule, hookClock(imports, clock)).then((instance) => {
        exports = instance.exports;
        onSuccess(instance);
      });
      return {};
    };
    const module = await newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmMemory: memory, emscriptenModule: { instantiateWasm } as never }));
    if (!options.tracked) return new QuickJSInstance(module, memory, options.memoryMb, undefined, clock);
    const globals = exports && dirtyGlobalsOf({ exports } as WebAssembly.Instance);
    const sp = exports?.[STACK_POINTER_EXPORT];
    const page = new Uint8Array(memory.buffer, BITMAP_PAGE * 65_536, 65_536);
    if (!globals || !(sp instanceof WebAssembly.Global) || page.some((b) => b !== 0)) {
      throw new Error("QuickJSInstance: the snapshot build lacks dirty tracking, or its bitmap page is in use");
    }
    const bitmap = DirtyBitmap.at(memory, [globals], { page: BITMAP_PAGE });
    const starting = startingPagesOf(wasmModule, memory);
    bitmap.knowTouched(starting);
    // The library writes strings and buffers into blocks it takes from malloc (not through guest stores).
    const emscripten = (module as unknown as { module: { _malloc(size: number): number } }).module;
    const malloc = emscripten._malloc;
    emscripten._malloc = (size: number) => {
      const ptr = malloc(size);
      bitmap.markRange(ptr, ptr + size);
      return ptr;
    };
    return new QuickJSInstance(module, memory, options.memoryMb, { bitmap, stackTop: sp.value as number, starting }, clock);
  }

  /** Marks the instance unusable; it is dropped instead of being reused. */
  poison(): void {
    this.#poisoned = true;
  }

  /** True when the instance may serve another run. */
  reusable(options: { recycleBytes: number }): boolean {
    return (
      !this.#poisoned &&
      !this.#disposed &&
      !endedNearCap(this.memory.buffer.byteLength, this.memoryMb) &&
      this.memory.buffer.byteLength <= options.recycleBytes
    );
  }

  get poisoned(): boolean {
    return this.#poisoned;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Drops the instance. Its linear memory is freed with the last reference to it. */
  dispose(): void {
    this.#disposed = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** The one clock import of the QuickJS build (emscripten's `Date.now()`): unset, it reads the host's clock. */
export interface ClockHook {
  read: (() => number) | undefined;
}

/** The imports with the clock import (the function whose body is `Date.now()`) reading through `hook`. */
function hookClock(imports: WebAssembly.Imports, hook: ClockHook): WebAssembly.Imports {
  const live = () => Date.now();
  const isClock = (f: unknown) => typeof f === "function" && String(f).replace(/\s/g, "") === "()=>Date.now()";
  return Object.fromEntries(
    Object.entries(imports).map(([space, fns]) => [space, Object.fromEntries(Object.entries(fns).map(([name, f]) => [name, isClock(f) ? () => (hook.read ?? live)() : f]))]),
  );
}
