import binaryen from "binaryen";

/**
 * The same module with its Wasm exceptions re-encoded as exnref (binaryen `translate-to-exnref`).
 * jco's transpile accepts only this encoding, while Node 20 runs only the legacy one, so the
 * component is built from this copy and the legacy module is instantiated in its place.
 */
export function exnrefCopy(bytes: Uint8Array): Uint8Array {
  const mod = binaryen.readBinary(bytes);
  try {
    mod.setFeatures(binaryen.Features.All);
    mod.runPasses(["translate-to-exnref"]);
    mod.setFeatures(
      binaryen.Features.MVP | binaryen.Features.ExceptionHandling | binaryen.Features.MutableGlobals | binaryen.Features.BulkMemory |
        binaryen.Features.SignExt | binaryen.Features.ReferenceTypes | binaryen.Features.Multivalue | binaryen.Features.NontrappingFPToInt,
    );
    return mod.emitBinary();
  } finally {
    mod.dispose();
  }
}
