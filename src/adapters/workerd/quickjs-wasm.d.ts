/** The QuickJS wasm, imported as a compiled module (resolved by build.ts). */
declare module "kiln:quickjs-wasm" {
  const module: WebAssembly.Module;
  export default module;
}
