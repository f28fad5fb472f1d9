/**
 * Kiln as a Cloudflare Worker. workerd may not compile wasm from bytes at run time, so the QuickJS
 * wasm is imported as a module: `kiln:quickjs-wasm` is resolved by the build (build.ts) to the
 * artifact named in runtimes/quickjs.ts. Plain-text bindings are read as configuration.
 */
import wasmModule from "kiln:quickjs-wasm";
import { createInProcessApp } from "../../in-process-app.ts";

let kiln: ReturnType<typeof createInProcessApp> | undefined;

export default {
  fetch(request: Request, env: Record<string, unknown>, ctx: unknown): Response | Promise<Response> {
    if (!kiln) {
      const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string"));
      kiln = createInProcessApp({ wasmModule, env: vars });
    }
    return kiln.app.fetch(request, env, ctx as never);
  },
};
