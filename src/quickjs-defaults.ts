import { quickjsLanguages } from "../languages/index.ts";
import { quickjsRuntime } from "./engine/quickjs/quickjs-artifact.ts";
import { QuickJSEngine, type QuickJSEngineOptions } from "./engine/quickjs/quickjs-engine.ts";
import { esbuildTranspiler } from "./engine/quickjs/typescript-transpiler.ts";

/** The runtimes Kiln serves by default; adapters compile each one's artifact once. */
export const defaultRuntimes = { quickjs: quickjsRuntime } as const;

/**
 * TypeScript through the `esbuild` package, loaded on the first TypeScript run: its native binary on
 * Node and Bun. Where a runtime cannot start it, the adapter passes esbuild-wasm instead (Deno), or its
 * build puts esbuild-wasm under this name (workerd, see src/adapters/workerd/build.ts).
 */
export const defaultTypeScript = esbuildTranspiler(() => import("esbuild"));

/** The QuickJS engine for the languages the list gives it (JavaScript and TypeScript), given the compiled QuickJS wasm, the host services and snapshot settings. */
export function createQuickJSEngine(
  wasmModule: WebAssembly.Module,
  options: Pick<QuickJSEngineOptions, "services" | "snapshotMinInitMs" | "snapshotCacheBytes" | "warmInstances" | "snapshotModule" | "verifyRestores" | "pristineSessions"> & Partial<Pick<QuickJSEngineOptions, "typescript">> = {},
): QuickJSEngine {
  return new QuickJSEngine({ ...options, typescript: options.typescript ?? defaultTypeScript, runtime: quickjsRuntime, languages: quickjsLanguages, wasmModule });
}
