import type { PreparedComponentRuntime } from "./component-engine.ts";
import type { ComponentHost } from "./component-host.ts";
import { FUEL_GLOBAL, STATE_GLOBAL_PREFIX } from "./instrument-fuel.ts";
import { kilnImports } from "./kiln-imports.ts";
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
  ) {}

  static async start(runtime: PreparedComponentRuntime, options: { memoryMb: number; maxOutputBytes: number; fuel: bigint; onCore?: (core: WebAssembly.Instance) => void }) {
    const host = createWasiHost({ maxOutputBytes: options.maxOutputBytes, mounts: runtime.mounts });
    const kiln: KilnBinding = { current: undefined };
    const call = (iface: string, fn: string, args: unknown[]) => {
      if (!kiln.current) throw new Error("component instance: a host call outside a run");
      return kiln.current.call(iface, fn, args);
    };
    const imports = { ...host.imports, ...kilnImports(call, { redact: (text) => kiln.current?.redact(text) ?? text }) };
    const main = runtime.mainModule(options.memoryMb);
    let core: WebAssembly.Instance | undefined;
    const state: WebAssembly.Global[] = [];
    const instance = await runtime.instantiate((name) => (name === runtime.mainModuleName ? main : runtime.modules.get(name)!), imports, async (module, coreImports) => {
      const inst = await WebAssembly.instantiate(module, coreImports);
      for (const [name, value] of Object.entries(inst.exports)) if (name.startsWith(STATE_GLOBAL_PREFIX)) state.push(value as WebAssembly.Global);
      if (module === main) {
        core = inst;
        options.onCore?.(inst);
        (inst.exports[FUEL_GLOBAL] as WebAssembly.Global).value = runtime.initFuel || options.fuel;
      }
      return inst;
    });
    runtime.driver.init?.(instance);
    return new ComponentInstance(instance, core!, state, host, kiln);
  }

  get fuel(): WebAssembly.Global {
    return this.core.exports[FUEL_GLOBAL] as WebAssembly.Global;
  }

  get memory(): WebAssembly.Memory {
    return this.core.exports.memory as WebAssembly.Memory;
  }

  /** Its state now: a copy of linear memory and the value of every state global. */
  snapshot(): InstanceSnapshot {
    return { memory: new Uint8Array(this.memory.buffer).slice(), globals: this.state.map((g) => g.value) };
  }

  /**
   * Puts a snapshot back: memory and every state global. Memory cannot shrink: what grew since the
   * snapshot is zeroed, and the restored allocator, which does not know it, takes fresh pages past it.
   */
  restore(snapshot: InstanceSnapshot): void {
    const bytes = new Uint8Array(this.memory.buffer);
    bytes.set(snapshot.memory);
    bytes.fill(0, snapshot.memory.length);
    this.state.forEach((g, i) => (g.value = snapshot.globals[i]));
  }
}

export interface InstanceSnapshot {
  memory: Uint8Array;
  globals: unknown[];
}
