import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { GLUE_NAME } from "../../engine/component/prepared-runtime.ts";
import type { PreparedCache } from "../../prepared-component-engine.ts";

declare const Bun: {
  file(path: string | URL): { arrayBuffer(): Promise<ArrayBuffer> };
};

/** The cache of prepared component runtimes in `cacheDir` (relative to the working directory): files read with Bun.file, folders listed with node:fs (Bun has no folder API of its own). */
export function bunPreparedCache(cacheDir: string): PreparedCache {
  return {
    readArtifact: async (url) => new Uint8Array(await Bun.file(url).arrayBuffer()),
    async folder(name) {
      const dir = resolve(cacheDir, name);
      try {
        await stat(dir);
      } catch {
        return undefined; // not prepared
      }
      return {
        list: async () => (await readdir(dir)).sort(),
        read: async (file) => new Uint8Array(await Bun.file(join(dir, file)).arrayBuffer()),
        importGlue: () => import(pathToFileURL(join(dir, `${GLUE_NAME}.js`)).href),
      };
    },
  };
}
