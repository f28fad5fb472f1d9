/**
 * Kiln as a Cloudflare Worker. workerd may not compile wasm from bytes at run time, so the QuickJS
 * wasm is imported as a module: `kiln:quickjs-wasm` is resolved by the build (build.ts) to the
 * artifact named in runtimes/quickjs.ts. Plain-text bindings are read as configuration; a Durable
 * Object namespace bound as `KILN_KV` (class `KilnKvObject`) stores `kv`, otherwise it is in memory.
 */
import wasmModule from "kiln:quickjs-wasm";
import { createInProcessApp } from "../../in-process-app.ts";
import { DurableObjectKvStore } from "./kv-durable-object.ts";

export { KilnKvObject } from "./kv-durable-object.ts";

let kiln: ReturnType<typeof createInProcessApp> | undefined;

export default {
  fetch(request: Request, env: Record<string, unknown>, ctx: unknown): Response | Promise<Response> {
    if (!kiln) {
      const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string"));
      const kv = DurableObjectKvStore.isBinding(env.KILN_KV) ? new DurableObjectKvStore(env.KILN_KV) : undefined;
      kiln = createInProcessApp({ wasmModule, env: vars, kv });
    }
    return kiln.app.fetch(request, env, ctx as never);
  },
};
