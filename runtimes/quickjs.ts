/**
 * The QuickJS runtime as data: which wasm artifact it loads and which languages it serves.
 * Adapters turn `artifact` (a package export specifier) into a compiled `WebAssembly.Module`.
 */
export const quickjsRuntime = {
  engine: "quickjs",
  artifact: "@jitl/quickjs-wasmfile-release-sync/wasm",
  /** Pages of linear memory the artifact needs at start (its memory import's minimum). */
  initialPages: 256,
  languages: [
    { name: "javascript", aliases: ["js"], version: "ES2023 (QuickJS 2025-09-13, quickjs-emscripten 0.32.0)" },
    { name: "typescript", aliases: ["ts"], version: "types stripped by sucrase 3.35, run on QuickJS 2025-09-13" },
  ],
} as const;

export type QuickJSRuntimeDescriptor = typeof quickjsRuntime;
