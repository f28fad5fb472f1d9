/** Kiln on Bun: `bun src/adapters/bun/main.ts`. */
import { defaultRuntimes } from "../../quickjs-defaults.ts";
import { createInProcessApp } from "../../in-process-app.ts";
import { loadPreparedComponentEngine } from "../../prepared-component-engine.ts";
import { bunPreparedCache } from "./prepared-cache.ts";
import { serverLog } from "../../server-log.ts";

declare const Bun: {
  env: Record<string, string | undefined>;
  resolveSync(specifier: string, from: string): string;
  file(path: string): { arrayBuffer(): Promise<ArrayBuffer> };
  serve(options: { port: number; hostname: string; fetch: (req: Request) => Response | Promise<Response> }): { hostname: string; port: number };
};

const wasm = await Bun.file(Bun.resolveSync(defaultRuntimes.quickjs.artifact, (import.meta as ImportMeta & { dir: string }).dir)).arrayBuffer();
// Lua, Ruby and Python, those that `npm run prepare:runtimes` (or a Node server) prepared in KILN_CACHE_DIR.
const components = await loadPreparedComponentEngine(bunPreparedCache(Bun.env.KILN_CACHE_DIR || ".kiln/cache"));
const { app, port, host } = await createInProcessApp({ wasmModule: new WebAssembly.Module(wasm), env: Bun.env, engines: components ? [components] : [] });
const server = Bun.serve({ port, hostname: host, fetch: app.fetch });
serverLog("info", "listening", { url: `http://${server.hostname}:${server.port}` });
