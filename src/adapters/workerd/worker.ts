/**
 * Kiln as a Cloudflare Worker. workerd may not compile wasm from bytes at run time, so the QuickJS
 * wasm is imported as a module: `kiln:quickjs-wasm` is resolved by the build (build.ts) to the
 * artifact named in src/engine/quickjs/quickjs-artifact.ts. Plain-text bindings are read as configuration. Durable
 * Object namespaces bound as `KILN_KV` (class `KilnKvObject`) and `KILN_PLATFORM` (class
 * `KilnPlatformObject`) store `kv` and the platform (tenants, scripts, secrets); without them, memory.
 * `GET /docs` serves Swagger UI from `kiln:docs-assets`, which the build fills from swagger-ui-dist.
 * `GET /` serves the playground from `kiln:playground-assets`, which the build fills from KILN_CACHE_DIR.
 * The component languages the build bundled (`kiln:component-runtimes`) run on the component engine,
 * with the same `kv` store as JavaScript runs (their `kv` calls suspend through JSPI).
 */
import wasmModule from "kiln:quickjs-wasm";
import docsAssets from "kiln:docs-assets";
import playgroundAssets from "kiln:playground-assets";
import componentBundles from "kiln:component-runtimes";
import { createInProcessApp } from "../../in-process-app.ts";
import { DurableObjectKvStore } from "./kv-durable-object.ts";
import { durablePlatformStore, isPlatformBinding } from "./platform-durable-object.ts";
import { bundledComponentEngine } from "./bundled-component-engine.ts";
import { MemoryKvStore } from "../../capabilities/kv-store.ts";

export { KilnKvObject } from "./kv-durable-object.ts";
export { KilnPlatformObject } from "./platform-durable-object.ts";

let kiln: ReturnType<typeof createInProcessApp> | undefined;

export default {
  async fetch(request: Request, env: Record<string, unknown>, ctx: unknown): Promise<Response> {
    if (!kiln) {
      const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string"));
      const kv = DurableObjectKvStore.isBinding(env.KILN_KV) ? new DurableObjectKvStore(env.KILN_KV) : new MemoryKvStore();
      const store = isPlatformBinding(env.KILN_PLATFORM) ? durablePlatformStore(env.KILN_PLATFORM) : undefined;
      const components = bundledComponentEngine(componentBundles, vars, { kv });
      kiln = createInProcessApp({ wasmModule, env: components?.env ?? vars, kv, store, docs: async () => docsAssets, playground: async () => playgroundAssets, engines: components ? [components.engine] : [] });
    }
    return (await kiln).app.fetch(request, env, ctx as never);
  },
};
