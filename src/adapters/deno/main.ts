/** Kiln on Deno: `deno run --unstable-kv --allow-net --allow-read --allow-write --allow-env src/adapters/deno/main.ts`. */
import { defaultRuntimes } from "../../quickjs-defaults.ts";
import { createInProcessApp } from "../../in-process-app.ts";
import { cachedPlaygroundAssets } from "../../http/playground-page.ts";
import { loadPreparedComponentEngine } from "../../prepared-component-engine.ts";
import { CallerComponentPreparer } from "../../engine/component/caller-component-preparer.ts";
import { callerComponents } from "../../../languages/index.ts";
import { denoPreparedCache } from "./prepared-cache.ts";
import { serverLog } from "../../server-log.ts";
import { loadConfig } from "../../config.ts";
import { esbuildWasmTranspiler } from "../../engine/quickjs/typescript-transpiler.ts";
import { WorkerBlockingHost } from "../../engine/component/worker-blocking-host.ts";
import type { HostRequest } from "../../capabilities/host-call-protocol.ts";
import { esbuildWasm as esbuildWasmArtifact } from "../../../languages/typescript/esbuild-wasm.ts";
import { openDenoKv } from "./deno-kv.ts";
import { DenoKvStore } from "./deno-kv-store.ts";
import { DenoKvPlatformStore } from "./deno-kv-platform-store.ts";
import type { HostWorkerInit } from "./host-worker.ts";

declare const Deno: {
  env: { toObject(): Record<string, string> };
  readFile(path: URL): Promise<Uint8Array<ArrayBuffer>>;
  readTextFile(path: string): Promise<string>;
  serve(options: { port: number; hostname: string; onListen?: (addr: { hostname: string; port: number }) => void }, handler: (req: Request) => Response | Promise<Response>): unknown;
};

const wasm = await Deno.readFile(new URL(import.meta.resolve(defaultRuntimes.quickjs.artifact)));
const env = Deno.env.toObject();
// Tenants, scripts, secrets and kv in one Deno KV database (local SQLite), so a restart keeps every deploy.
const { denoKvPath } = loadConfig(env);
const kv = await openDenoKv(denoKvPath);
// Components' kv calls are answered by a helper worker with its own connection while the run waits (Atomics.wait).
const blocking = new WorkerBlockingHost((slot) => {
  const worker = new Worker(new URL("./host-worker.ts", import.meta.url).href, { type: "module" });
  worker.postMessage({ slot, kvPath: denoKvPath } satisfies HostWorkerInit);
  return { post: (request: HostRequest) => worker.postMessage(request), terminate: () => worker.terminate() };
});
const cache = denoPreparedCache(env.KILN_CACHE_DIR || ".kiln/cache");
// Callers' components: checked and prepared with jco on upload (in this thread), into KILN_CACHE_DIR.
const callers = callerComponents && new CallerComponentPreparer(cache, callerComponents);
// Lua, Ruby and Python, those that `npm run prepare:runtimes` (or a Node server) prepared in KILN_CACHE_DIR, and callers' components.
const components = await loadPreparedComponentEngine(cache, { blocking, callerComponents: callers && { language: callers.language, load: (bytes) => callers.load(bytes) } });
// TypeScript through esbuild-wasm, compiled on the first TypeScript run: esbuild's binary would need --allow-run.
const esbuildWasm = async () => new WebAssembly.Module(await Deno.readFile(new URL(import.meta.resolve(esbuildWasmArtifact.specifier))));
const typescript = esbuildWasmTranspiler(esbuildWasm);
const { app, port, host } = await createInProcessApp({
  wasmModule: new WebAssembly.Module(wasm),
  env,
  kv: new DenoKvStore(kv),
  store: new DenoKvPlatformStore(kv),
  engines: components ? [components] : [],
  components: callers,
  typescript,
  // The playground's bundle, as `npm ci` (or a Node server) wrote it into KILN_CACHE_DIR.
  playground: cachedPlaygroundAssets((file) => Deno.readTextFile(`${loadConfig(env).cacheDir}/${file}`)),
});
Deno.serve({ port, hostname: host, onListen: (addr) => serverLog("info", "listening", { url: `http://${addr.hostname}:${addr.port}` }) }, app.fetch);
