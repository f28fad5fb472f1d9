/**
 * Loads component runtimes prepared earlier (`npm run prepare:runtimes`, or any Node server start)
 * from the cache folder, without jco. Uses only node:fs, node:path and node:url, which Deno and Bun
 * provide too: their adapters use this to serve Lua and Ruby.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { componentRuntimes } from "../../../runtimes/component-runtimes.ts";
import { ComponentEngine, type PreparedComponentRuntime } from "../../engine/component/component-engine.ts";
import { GLUE_NAME, loadPreparedRuntime, preparedFolderName } from "../../engine/component/prepared-runtime.ts";

/** The component engine with every runtime found prepared in `cacheDir`; undefined when none is. */
export async function loadPreparedComponentEngine(cacheDir: string): Promise<ComponentEngine | undefined> {
  const runtimes: PreparedComponentRuntime[] = [];
  for (const descriptor of componentRuntimes) {
    let files: string[];
    let dir: string;
    try {
      dir = resolve(cacheDir, await preparedFolderName(descriptor, new Uint8Array(readFileSync(descriptor.artifact))));
      files = readdirSync(dir);
    } catch {
      continue;
    }
    runtimes.push(
      await loadPreparedRuntime(descriptor, {
        list: async () => files,
        read: async (file) => new Uint8Array(readFileSync(join(dir, file))),
        importGlue: () => import(pathToFileURL(join(dir, `${GLUE_NAME}.js`)).href),
      }),
    );
  }
  return runtimes.length ? new ComponentEngine(runtimes) : undefined;
}
