/**
 * Loads component runtimes prepared earlier (`npm run prepare:runtimes`, or any Node server start)
 * from the cache folder, without jco. Uses only node:fs, node:path and node:url, which Deno and Bun
 * provide too: their adapters use this to serve Lua.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { luaRuntime } from "../../../runtimes/lua.ts";
import { ComponentEngine } from "../../engine/component/component-engine.ts";
import { GLUE_NAME, loadPreparedRuntime, preparedFolderName } from "../../engine/component/prepared-runtime.ts";

/** The component engine with every runtime found prepared in `cacheDir`; undefined when none is. */
export async function loadPreparedComponentEngine(cacheDir: string): Promise<ComponentEngine | undefined> {
  const bytes = new Uint8Array(readFileSync(luaRuntime.artifact));
  const dir = resolve(cacheDir, await preparedFolderName(luaRuntime, bytes));
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return undefined;
  }
  const runtime = await loadPreparedRuntime(luaRuntime, {
    list: async () => files,
    read: async (file) => new Uint8Array(readFileSync(join(dir, file))),
    importGlue: () => import(pathToFileURL(join(dir, `${GLUE_NAME}.js`)).href),
  });
  return new ComponentEngine([runtime]);
}
