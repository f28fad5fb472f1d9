import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { cachedPlaygroundAssets, type LoadPlaygroundAssets } from "../../http/playground-page.ts";
import { playgroundStale, writePlayground } from "./bundle-playground.ts";

/**
 * The playground's bundle from KILN_CACHE_DIR, as `npm ci` prepared it; bundled again (and kept) first
 * when it is missing or older than its source (so `npm start` after an edit serves the edit).
 */
export function nodePlaygroundAssets(cacheDir: string): LoadPlaygroundAssets {
  let fresh: Promise<unknown> | undefined;
  return cachedPlaygroundAssets(async (file) => {
    await (fresh ??= (playgroundStale(cacheDir) ? writePlayground(cacheDir) : Promise.resolve()).catch((error: unknown) => {
      fresh = undefined;
      throw error;
    }));
    return readFile(join(cacheDir, file), "utf8");
  });
}
