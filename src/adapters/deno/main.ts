/** Kiln on Deno: `deno run --allow-net --allow-read --allow-env src/adapters/deno/main.ts`. */
import { defaultRuntimes } from "../../quickjs-defaults.ts";
import { createInProcessApp } from "../../in-process-app.ts";
import { loadPreparedComponentEngine } from "../../prepared-component-engine.ts";
import { denoPreparedCache } from "./prepared-cache.ts";
import { serverLog } from "../../server-log.ts";
import { esbuildWasmTranspiler } from "../../engine/quickjs/typescript-transpiler.ts";
import { esbuildWasm as esbuildWasmArtifact } from "../../../languages/typescript/esbuild-wasm.ts";

declare const Deno: {
  env: { toObject(): Record<string, string> };
  readFile(path: URL): Promise<Uint8Array<ArrayBuffer>>;
  serve(options: { port: number; hostname: string; onListen?: (addr: { hostname: string; port: number }) => void }, handler: (req: Request) => Response | Promise<Response>): unknown;
};

const wasm = await Deno.readFile(new URL(import.meta.resolve(defaultRuntimes.quickjs.artifact)));
const env = Deno.env.toObject();
// Lua, Ruby and Python, those that `npm run prepare:runtimes` (or a Node server) prepared in KILN_CACHE_DIR.
const components = await loadPreparedComponentEngine(denoPreparedCache(env.KILN_CACHE_DIR || ".kiln/cache"));
// TypeScript through esbuild-wasm, compiled on the first TypeScript run: esbuild's binary would need --allow-run.
const esbuildWasm = async () => new WebAssembly.Module(await Deno.readFile(new URL(import.meta.resolve(esbuildWasmArtifact.specifier))));
const typescript = esbuildWasmTranspiler(esbuildWasm);
const { app, port, host } = await createInProcessApp({ wasmModule: new WebAssembly.Module(wasm), env, engines: components ? [components] : [], typescript });
Deno.serve({ port, hostname: host, onListen: (addr) => serverLog("info", "listening", { url: `http://${addr.hostname}:${addr.port}` }) }, app.fetch);
