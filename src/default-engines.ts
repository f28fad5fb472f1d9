import { quickjsRuntime } from "../runtimes/quickjs.ts";
import { QuickJSEngine, type QuickJSEngineOptions } from "./engine/quickjs/quickjs-engine.ts";

/** The runtimes Kiln serves by default; adapters compile each one's artifact once. */
export const defaultRuntimes = { quickjs: quickjsRuntime } as const;

/** The default engine for JavaScript and TypeScript, given the compiled QuickJS wasm, the host services and snapshot settings. */
export function createQuickJSEngine(
  wasmModule: WebAssembly.Module,
  options: Pick<QuickJSEngineOptions, "services" | "snapshotMinInitMs" | "snapshotCacheBytes" | "warmInstances" | "snapshotModule" | "verifyResets"> = {},
): QuickJSEngine {
  return new QuickJSEngine({ ...options, runtime: quickjsRuntime, wasmModule });
}
