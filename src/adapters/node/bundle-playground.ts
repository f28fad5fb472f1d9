import { build } from "esbuild";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PLAYGROUND_FILES, type PlaygroundAssets } from "../../http/playground-page.ts";

const SOURCE_DIR = fileURLToPath(new URL("../../playground/", import.meta.url));

/** The playground (src/playground/) bundled for browsers by esbuild: one minified ES module and one stylesheet. */
export async function bundlePlayground(): Promise<PlaygroundAssets> {
  const common = { bundle: true, write: false, minify: true, legalComments: "none", logLevel: "silent", target: "es2022" } as const;
  const [script, stylesheet] = await Promise.all([
    build({ ...common, entryPoints: [join(SOURCE_DIR, "main.ts")], format: "esm", platform: "browser" }),
    build({ ...common, entryPoints: [join(SOURCE_DIR, "playground.css")] }),
  ]);
  return { script: script.outputFiles[0]!.text, stylesheet: stylesheet.outputFiles[0]!.text };
}

/** Bundles the playground into KILN_CACHE_DIR (at install, by prepare-runtimes.ts, or at start when missing), where every adapter reads it. */
export async function writePlayground(cacheDir: string): Promise<PlaygroundAssets> {
  const assets = await bundlePlayground();
  for (const [key, file] of Object.entries(PLAYGROUND_FILES) as [keyof PlaygroundAssets, string][]) {
    mkdirSync(dirname(join(cacheDir, file)), { recursive: true });
    writeFileSync(join(cacheDir, file), assets[key]);
  }
  return assets;
}

/** Whether the bundle in `cacheDir` is missing, or older than a source file (an edit since the last bundle). */
export function playgroundStale(cacheDir: string): boolean {
  let built = Infinity;
  try {
    for (const file of Object.values(PLAYGROUND_FILES)) built = Math.min(built, statSync(join(cacheDir, file)).mtimeMs);
  } catch {
    return true;
  }
  return readdirSync(SOURCE_DIR).some((file) => statSync(join(SOURCE_DIR, file)).mtimeMs > built);
}
