import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** Compiles a runtime artifact named by a package export specifier, reading it from node_modules. */
export async function loadArtifact(specifier: string): Promise<WebAssembly.Module> {
  return new WebAssembly.Module(await readFile(require.resolve(specifier)));
}
