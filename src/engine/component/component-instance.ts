import type { PreparedComponentRuntime } from "./prepared-runtime.ts";
import type { ComponentHost } from "./component-host.ts";
import { DirtyBitmap, dirtyGlobalsOf, type DirtyGlobals } from "../wasm/dirty-bitmap.ts";
import { memoryPages, WASM_PAGE_BYTES } from "../../limits/memory.ts";
import { CAP_GLOBAL, FUEL_GLOBAL, PAGES_GLOBAL, STATE_GLOBAL_PREFIX } from "../wasm/instance-globals.ts";
import { kilnImports } from "./kiln-imports.ts";
import { captureMemory, restoreMemory, type MemorySnapshot } from "../wasm/memory-snapshot.ts";
import { restoreDifferences } from "../wasm/restore-differences.ts";
import { createWasiHost } from "./wasi/wasi-host.ts";

/** Where a run's Kiln host calls go; unbound (between runs, or while the runtime initialises) they fail. */
interface KilnBinding {
  current: ComponentHost | undefined;
}

/**
 * One instance of a prepared runtime: jco's component instance, its main core instance (fuel,
 * memory), its own WASI host, and a Kiln host binding that each run points at its own host.
 * `start` instantiates it and runs the driver's initialisation on the runtime's init fuel.
 */
export class ComponentInstance {
  private constructor(
    readonly instance: any,
    readonly core: WebAssembly.Instance,
    /** Every exported mutable global of every core instance: what, with memory, makes up its state. */
    readonly state: WebAssembly.Global[],
    readonly host: ReturnType<typeof createWasiHost>,
    readonly kiln: KilnBinding,
    /** The pages the instance wrote since its snapshot; undefined when not tracked (restores copy all of memory). */
    readonly dirty: DirtyBitmap | undefined,
  ) {}

  /**
   * `memoryMb` caps the guest's own growth (CAP_GLOBAL); `ceilingMb` is the compiled module's declared
   * maximum, the same for every run (the server's largest cap), which the host's growth also stays under.
   */
  static async start(runtime: PreparedComponentRuntime, options: { memoryMb: number; ceilingMb?: number; maxOutputBytes: number; fuel: bigint; onCore?: (core: WebAssembly.Instance) => void }) {
    const host = createWasiHost({ maxOutputBytes: options.maxOutputBytes, mounts: runtime.mounts });
    const kiln: KilnBinding = { current: undefined };
    const call = (iface: string, fn: string, args: unknown[]) => {
      if (!kiln.current) throw new Error("component instance: a host call outside a run");
      return kiln.current.call(iface, fn, args);
    };
    const imports = { ...host.imports, ...kilnImports(call, { redact: (text) => kiln.current?.redact(text) ?? text, answer: runtime.answer }) };
    const main = runtime.mainModule(Math.max(options.ceilingMb ?? 0, options.memoryMb));
    let core: WebAssembly.Instance | undefined;
    const state: WebAssembly.Global[] = [];
    const tracked: DirtyGlobals[] = [];
    // Tracking is only sound if every core module that can write the memory marks what it writes.
    let untracked = false;
    const instance = await runtime.instantiate((name) => (name === runtime.mainModuleName ? main : runtime.modules.get(name)!), imports, async (module, coreImports) => {
      const inst = await WebAssembly.instantiate(module, coreImports);
      for (const [name, value] of Object.entries(inst.exports)) if (name.startsWith(STATE_GLOBAL_PREFIX)) state.push(value as WebAssembly.Global);
      const globals = dirtyGlobalsOf(inst);
      if (globals) tracked.push(globals);
      else if (usesMemory(module)) untracked = true;
      if (module === main) {
        core = inst;
        options.onCore?.(inst);
        (inst.exports[FUEL_GLOBAL] as WebAssembly.Global).value = runtime.initFuel || options.fuel;
        setMemoryCap(inst, options.memoryMb);
      }
      return inst;
    });
    const initialised = runtime.driver.init?.(instance);
    if (initialised instanceof Promise) await initialised;
    // Only now: the bitmap's pages then lie past everything initialisation allocated.
    const memory = core!.exports.memory as WebAssembly.Memory;
    const dirty = tracked.length && !untracked ? DirtyBitmap.enable(memory, tracked) : undefined;
    // The guest's view of its size (virtual-pages.ts) takes in the pages the host just grew, so its allocator never hands them out.
    const pages = core!.exports[PAGES_GLOBAL] as WebAssembly.Global | undefined;
    if (pages) pages.value = memory.buffer.byteLength / WASM_PAGE_BYTES;
    return new ComponentInstance(instance, core!, state, host, kiln, dirty);
  }

  get fuel(): WebAssembly.Global {
    return this.core.exports[FUEL_GLOBAL] as WebAssembly.Global;
  }

  get memory(): WebAssembly.Memory {
    return this.core.exports.memory as WebAssembly.Memory;
  }

  /** Caps the guest's memory for the next run: its `memory.grow` fails past `memoryMb`. */
  setMemoryCap(memoryMb: number): void {
    setMemoryCap(this.core, memoryMb);
  }

  /** The size of memory as the guest sees it (virtual-pages.ts), which the cap applies to. */
  get guestBytes(): number {
    return guestBytes(this.core);
  }

  /** Its state now: a copy of linear memory and the value of every state global. Dirty-page marks start over from it. */
  snapshot(): InstanceSnapshot {
    return { memory: captureMemory(this.memory, this.dirty), globals: this.state.map((g) => g.value) };
  }

  /**
   * Puts the last snapshot back: memory and every state global. With dirty-page tracking only the
   * pages written since are copied; without it, or when the marks are not trusted, all of memory.
   * Memory cannot shrink: what grew since the snapshot is zeroed, and the restored allocator, which
   * does not know it, takes fresh pages past it. Returns the pages copied, or undefined for a full copy.
   */
  restore(snapshot: InstanceSnapshot): number | undefined {
    const copied = restoreMemory(this.memory, snapshot.memory, this.dirty);
    this.state.forEach((g, i) => (g.value = snapshot.globals[i]));
    return copied;
  }

  /** How the instance differs from `snapshot`, memory and state globals (restoreDifferences: a check for tests, slow). */
  differences(snapshot: InstanceSnapshot): string[] {
    return restoreDifferences(this.memory, snapshot.memory, { now: this.state, then: snapshot.globals });
  }
}

/** Sets a main core instance's CAP_GLOBAL (virtual-pages.ts) to `memoryMb`. */
function setMemoryCap(core: WebAssembly.Instance, memoryMb: number): void {
  const cap = core.exports[CAP_GLOBAL] as WebAssembly.Global | undefined;
  if (cap) cap.value = memoryPages(memoryMb);
}

/** The size of a main core instance's memory as its guest sees it: the virtual page count once set, else the real size. */
export function guestBytes(core: WebAssembly.Instance): number {
  const pages = (core.exports[PAGES_GLOBAL] as WebAssembly.Global | undefined)?.value as number | undefined;
  return pages ? pages * WASM_PAGE_BYTES : (core.exports.memory as WebAssembly.Memory).buffer.byteLength;
}

/** Whether a core module imports or defines a memory (and so may write one). */
function usesMemory(module: WebAssembly.Module): boolean {
  return [...WebAssembly.Module.imports(module), ...WebAssembly.Module.exports(module)].some((d) => d.kind === "memory");
}

/** A component instance's state: its linear memory and the value of every state global. */
export interface InstanceSnapshot extends MemorySnapshot {
  readonly globals: readonly unknown[];
}
