import { quickjsRuntime } from "../runtimes/quickjs.ts";
import { QuickJSEngine } from "./engine/quickjs/quickjs-engine.ts";

/** The runtimes Kiln serves by default; adapters compile each one's artifact once. */
export const defaultRuntimes = { quickjs: quickjsRuntime } as const;

/** The default engine for JavaScript and TypeScript, given the compiled QuickJS wasm. */
export function createQuickJSEngine(wasmModule: WebAssembly.Module): QuickJSEngine {
  return new QuickJSEngine({ runtime: quickjsRuntime, wasmModule });
}
