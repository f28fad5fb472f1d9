import { componentRuntimes } from "../languages/index.ts";
import { ComponentEngine } from "./engine/component/component-engine.ts";
import { loadPreparedRuntime, preparedFolderName, type PreparedComponentRuntime, type PreparedFolder } from "./engine/component/prepared-runtime.ts";

/** How an adapter reads the cache of prepared component runtimes, with its own file API. */
export interface PreparedCache {
  /** The bytes of a language's artifact (its descriptor's `artifact`), which name its prepared folder. */
  readArtifact(url: URL): Promise<Uint8Array>;
  /** The prepared folder of that name in the cache; undefined when there is none. */
  folder(name: string): Promise<PreparedFolder | undefined>;
}

/**
 * The component engine with every runtime of the list (languages/index.ts) found prepared in the
 * cache, loaded without jco: how runtimes that cannot prepare them (Deno, Bun) serve Lua, Ruby and
 * Python once `npm run prepare:runtimes` or a Node server start prepared them. Undefined when none is
 * and `options` bring no `callerComponents`. `options` go to the engine (the adapter's `blocking` host
 * for kv, its loader of callers' components).
 */
export async function loadPreparedComponentEngine(cache: PreparedCache, options: ConstructorParameters<typeof ComponentEngine>[1] = {}): Promise<ComponentEngine | undefined> {
  const runtimes: PreparedComponentRuntime[] = [];
  for (const descriptor of componentRuntimes) {
    const folder = await cache.folder(await preparedFolderName(descriptor, await cache.readArtifact(descriptor.artifact)));
    if (folder) runtimes.push(await loadPreparedRuntime(descriptor, folder));
  }
  return runtimes.length || options.callerComponents ? new ComponentEngine(runtimes, options) : undefined;
}
