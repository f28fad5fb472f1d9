/**
 * esbuild as WebAssembly (npm `esbuild-wasm`), for runtimes that cannot start esbuild's native binary:
 * Deno (without --allow-run) reads it from node_modules; the Worker build imports it as a module.
 */
export const esbuildWasm = { specifier: "esbuild-wasm/esbuild.wasm" };
