/**
 * The QuickJS runtime as data: which wasm artifact it loads (the languages it serves are in languages/).
 * Adapters turn `artifact` (a package export specifier) into a compiled `WebAssembly.Module`.
 */
export const quickjsRuntime = {
  engine: "quickjs",
  artifact: "@jitl/quickjs-wasmfile-release-sync/wasm",
  /** SHA-256 of that wasm (checked by test/engine/quickjs/quickjs-snapshots.test.ts); part of every snapshot's key. */
  sha256: "105c3bed22d457e43e3d1c3c1c6959fda62a8fe06f0fc8a985303c3a2be72232",
  /** Pages of linear memory the artifact needs at start (its memory import's minimum). */
  initialPages: 256,
} as const;

export type QuickJSRuntimeDescriptor = typeof quickjsRuntime;
