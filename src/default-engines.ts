import { quickjsRuntime } from "../runtimes/quickjs.ts";
import { QuickJSEngine } from "./engine/quickjs/quickjs-engine.ts";
import type { HostServices } from "./host/run-host.ts";

/** The runtimes Kiln serves by default; adapters compile each one's artifact once. */
export const defaultRuntimes = { quickjs: quickjsRuntime } as const;

/** The default engine for JavaScript and TypeScript, given the compiled QuickJS wasm and the host services. */
export function createQuickJSEngine(wasmModule: WebAssembly.Module, options: { services?: HostServices } = {}): QuickJSEngine {
  return new QuickJSEngine({ runtime: quickjsRuntime, wasmModule, services: options.services });
}
