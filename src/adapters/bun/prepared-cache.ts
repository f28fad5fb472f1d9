import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { GLUE_NAME } from "../../engine/component/prepared-runtime.ts";
import type { WritablePreparedCache } from "../../engine/component/caller-component-preparer.ts";
import type { PreparedCache } from "../../prepared-component-engine.ts";

declare const Bun: {
  file(path: string | URL): { arrayBuffer(): Promise<ArrayBuffer> };
};

/**
 * The cache of prepared component runtimes in `cacheDir` (relative to the working directory): files read
 * with Bun.file, folders listed and written with node:fs (Bun has no folder API of its own); callers'
 * components are written into it (staged, then renamed into place).
 */
export function bunPreparedCache(cacheDir: string): PreparedCache & WritablePreparedCache {
  return {
    async write(name, files) {
      const staging = resolve(cacheDir, `${name}.${process.pid}.${Date.now()}`);
      for (const [file, content] of Object.entries(files)) {
        await mkdir(dirname(join(staging, file)), { recursive: true });
        await writeFile(join(staging, file), content);
      }
      try {
        await rename(staging, resolve(cacheDir, name));
      } catch {
        await rm(staging, { recursive: true, force: true }); // another process got there first
      }
    },
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
