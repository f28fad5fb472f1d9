import type { ComponentRuntimeDescriptor } from "../../../runtimes/component-runtime.ts";
import { memoryPages } from "../../limits/memory.ts";
import type { PreparedComponentRuntime } from "./component-engine.ts";
import type { GuestDriver } from "./guest-driver.ts";
import { componentDriver } from "./component-driver.ts";
import { luaDriver } from "./lua-driver.ts";
import { pythonDriver } from "./python-driver.ts";
import { rubyDriver } from "./ruby-driver.ts";
import { patchMemoryMax } from "./patch-memory-max.ts";
import type { Mount } from "./wasi/filesystem.ts";

/** Compiled main modules kept per runtime, one per memory cap, least recently used out first. */
const MAX_CAPPED_MODULES = 4;

export const PREPARE_VERSION = "7";
const DRIVERS: Record<ComponentRuntimeDescriptor["driver"], GuestDriver> = { lua: luaDriver, ruby: rubyDriver, python: pythonDriver, component: componentDriver };
/** The name jco's files carry in a prepared folder: `runtime.js`, `runtime.core.wasm`, … */
export const GLUE_NAME = "runtime";
/** The metered main module, stored beside jco's files. */
export const METERED_FILE = "metered";
/** Names the main core module when it is not jco's first one (callers' components). */
export const MAIN_FILE = "main.txt";
/** A mounted file (decompressed) is stored in the prepared folder under this prefix and its name. */
export const MOUNT_PREFIX = "mount.";

/** The folder name of a runtime's prepared files: the language and a hash of everything they derive from. */
export async function preparedFolderName(descriptor: ComponentRuntimeDescriptor, artifact: Uint8Array): Promise<string> {
  const parts = [new TextEncoder().encode(PREPARE_VERSION + descriptor.witSource), artifact];
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
 * and caps the metered main module per memory limit on demand. Runtime-agnostic: Deno and Bun load
 * the same folder Node wrote.
 */
export async function loadPreparedRuntime(
  descriptor: Pick<ComponentRuntimeDescriptor, "language" | "driver" | "initFuel" | "minMemoryMb" | "mounts" | "warm">,
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
    // One compiled module per memory cap (the cap is in the module), the most recently used few kept:
    // a caller sweeping memoryMb would otherwise make the process keep a compiled Ruby per value.
    mainModule(memoryMb) {
      let module = capped.get(memoryMb);
      if (module) capped.delete(memoryMb);
      else module = new WebAssembly.Module(patchMemoryMax(metered, memoryPages(memoryMb)));
      capped.set(memoryMb, module);
      if (capped.size > MAX_CAPPED_MODULES) capped.delete(capped.keys().next().value!);
      return module;
    },
    driver: DRIVERS[descriptor.driver],
    initFuel: descriptor.initFuel ?? 0n,
    minMemoryMb: descriptor.minMemoryMb ?? 0,
    warm: descriptor.warm ?? false,
    mounts,
  };
}
