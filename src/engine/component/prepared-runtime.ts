import type { ComponentRuntimeDescriptor } from "./runtime-descriptor.ts";
import { memoryPages } from "../../limits/memory.ts";
import type { LanguageInfo } from "../engine.ts";
import type { GuestDriver } from "./guest-driver.ts";
import { patchMemoryMax } from "../wasm/patch-memory-max.ts";
import { CAP_GLOBAL } from "../wasm/instance-globals.ts";
import type { Mount } from "./wasi/filesystem.ts";

type CoreInstantiate = (module: WebAssembly.Module, imports: WebAssembly.Imports) => Promise<WebAssembly.Instance>;

/** A language runtime wrapped as a component and ready to instantiate (prepared by an adapter). */
export interface PreparedComponentRuntime {
  language: Omit<LanguageInfo, "engine">;
  /** jco's generated `instantiate` for the component. */
  instantiate(getCoreModule: (name: string) => WebAssembly.Module, imports: object, instantiateCore: CoreInstantiate): Promise<{ run(source: string): string }>;
  /** The main core module, metered, its memory's declared maximum `memoryMb` (the engine's ceiling; a run's cap is CAP_GLOBAL). */
  mainModule(memoryMb: number): WebAssembly.Module;
  mainModuleName: string;
  /** The other core modules (the WASI adapter and jco's shims). */
  modules: ReadonlyMap<string, WebAssembly.Module>;
  /** How the engine calls the instance's exports. */
  driver: GuestDriver;
  /** How the runtime's `host.call` import encodes the host's answer (a JSON value): its descriptor's `answer`, or JSON. */
  answer: (value: unknown) => string;
  /** Fuel (metered events) an instance may spend initialising before the run's budget applies. */
  initFuel: bigint;
  /** The smallest memory cap the runtime starts under. */
  minMemoryMb: number;
  /** Read-only trees the runtime's instances see (preopens, in order). */
  mounts: readonly Mount[];
  /** Instances are kept initialised and restored after each run (WarmPool). */
  warm: boolean;
  /**
   * jco's glue was made for JSPI (workerd): its exports answer promises and its `kiln:runtime/host`
   * import may await, so `kv` is answered without a blocking host (ComponentHost). Absent: synchronous glue.
   */
  suspending?: boolean;
}

/** Compiled main modules kept per runtime, one per ceiling (normally one), least recently used out first. */
const MAX_CAPPED_MODULES = 4;

export const PREPARE_VERSION = "9";
/** The name jco's files carry in a prepared folder: `runtime.js`, `runtime.core.wasm`, … */
export const GLUE_NAME = "runtime";
/** The metered main module, stored beside jco's files. */
export const METERED_FILE = "metered";
/** Names the main core module when it is not jco's first one (callers' components). */
export const MAIN_FILE = "main.txt";
/** A mounted file (decompressed) is stored in the prepared folder under this prefix and its name. */
export const MOUNT_PREFIX = "mount.";

/** The folder name of a runtime's prepared files: the language and a hash of everything they derive from (a warm runtime's modules also track dirty pages). */
export async function preparedFolderName(descriptor: ComponentRuntimeDescriptor, artifact: Uint8Array): Promise<string> {
  const parts = [new TextEncoder().encode(PREPARE_VERSION + (descriptor.warm ? "warm" : "") + descriptor.witSource), artifact];
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return `${descriptor.language.name}-${[...digest].map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, 32)}`;
}

/** How an adapter reads a prepared folder. */
export interface PreparedFolder {
  list(): Promise<string[]>;
  read(file: string): Promise<Uint8Array>;
  /** Imports `runtime.js`, jco's generated glue. */
  importGlue(): Promise<Pick<PreparedComponentRuntime, "instantiate">>;
}

/**
 * Loads a runtime prepared earlier (by the Node adapter, with jco): compiles its core modules once,
 * and the metered main module on first use, with its memory's maximum at the engine's ceiling. Runtime-agnostic: Deno and Bun load
 * the same folder Node wrote.
 */
export async function loadPreparedRuntime(
  descriptor: { language: Omit<LanguageInfo, "engine"> } & Pick<ComponentRuntimeDescriptor, "driver"> & Partial<Pick<ComponentRuntimeDescriptor, "initFuel" | "minMemoryMb" | "mounts" | "warm" | "answer">>,
  folder: PreparedFolder,
): Promise<PreparedComponentRuntime> {
  const files = await folder.list();
  const mainModuleName = files.includes(MAIN_FILE) ? new TextDecoder().decode(await folder.read(MAIN_FILE)).trim() : `${GLUE_NAME}.core.wasm`;
  const modules = new Map<string, WebAssembly.Module>();
  for (const file of files) {
    if (file.endsWith(".wasm") && !file.startsWith(MOUNT_PREFIX) && file !== mainModuleName && file !== `${METERED_FILE}.wasm`) {
      modules.set(file, new WebAssembly.Module(new Uint8Array(await folder.read(file))));
    }
  }
  const metered = await folder.read(`${METERED_FILE}.wasm`);
  const mounts: Mount[] = [];
  for (const m of descriptor.mounts ?? []) mounts.push({ path: m.path, tree: new Map([[m.file, await folder.read(`${MOUNT_PREFIX}${m.file}`)]]) });
  const capped = new Map<number, WebAssembly.Module>();
  const { instantiate } = await folder.importGlue();
  return {
    language: descriptor.language,
    instantiate,
    mainModuleName,
    modules,
    // A run's cap is a global (CAP_GLOBAL), so every cap shares one compiled module; its declared
    // maximum is only the ceiling, which an engine keeps the same for every run.
    mainModule(memoryMb) {
      let module = capped.get(memoryMb);
      if (module) capped.delete(memoryMb);
      else {
        module = new WebAssembly.Module(patchMemoryMax(metered, memoryPages(memoryMb)));
        // A module from before the cap global would run every guest up to the ceiling: refuse it.
        if (!WebAssembly.Module.exports(module).some((e) => e.name === CAP_GLOBAL)) throw new Error(`${descriptor.language.name}: the prepared module has no memory cap global; prepare it again`);
      }
      capped.set(memoryMb, module);
      if (capped.size > MAX_CAPPED_MODULES) capped.delete(capped.keys().next().value!);
      return module;
    },
    driver: descriptor.driver,
    answer: descriptor.answer ?? JSON.stringify,
    initFuel: descriptor.initFuel ?? 0n,
    minMemoryMb: descriptor.minMemoryMb ?? 0,
    warm: descriptor.warm ?? false,
    mounts,
  };
}
