/**
 * Loads component runtimes prepared earlier (`npm run prepare:runtimes`, or any Node server start)
 * from the cache folder, without jco. Uses only node:fs, node:path and node:url, which Deno and Bun
 * provide too: their adapters use this to serve Lua and Ruby.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { componentRuntimes } from "../../../languages/index.ts";
import { ComponentEngine, type PreparedComponentRuntime } from "../../engine/component/component-engine.ts";
import { loadPreparedRuntime, preparedFolderName } from "../../engine/component/prepared-runtime.ts";
import { preparedFolder } from "./prepared-folder.ts";

/** The component engine with every runtime found prepared in `cacheDir`; undefined when none is. */
export async function loadPreparedComponentEngine(cacheDir: string): Promise<ComponentEngine | undefined> {
  const runtimes: PreparedComponentRuntime[] = [];
  for (const descriptor of componentRuntimes) {
    const dir = resolve(cacheDir, await preparedFolderName(descriptor, new Uint8Array(readFileSync(descriptor.artifact))));
    if (existsSync(dir)) runtimes.push(await loadPreparedRuntime(descriptor, preparedFolder(dir)));
  }
  return runtimes.length ? new ComponentEngine(runtimes) : undefined;
}
