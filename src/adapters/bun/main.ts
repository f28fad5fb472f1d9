/** Kiln on Bun: `bun src/adapters/bun/main.ts`. */
import { defaultRuntimes } from "../../quickjs-defaults.ts";
import { createInProcessApp } from "../../in-process-app.ts";
import { loadPreparedComponentEngine } from "../../prepared-component-engine.ts";
import { CallerComponentPreparer } from "../../engine/component/caller-component-preparer.ts";
import { usePreview2ShimBrowser } from "./preview2-shim-browser.ts";
import { callerComponents } from "../../../languages/index.ts";
import { bunPreparedCache } from "./prepared-cache.ts";
import { serverLog } from "../../server-log.ts";
import { loadConfig } from "../../config.ts";
import { cachedPlaygroundAssets } from "../../http/playground-page.ts";
import { WorkerBlockingHost } from "../../engine/component/worker-blocking-host.ts";
import type { HostRequest } from "../../capabilities/host-call-protocol.ts";
import { openBunSqlite } from "./bun-sqlite.ts";
import { BunSqliteKvStore } from "./bun-sqlite-kv-store.ts";
import { BunSqlitePlatformStore } from "./bun-sqlite-platform-store.ts";
import type { HostWorkerInit } from "./host-worker.ts";

declare const Bun: {
  env: Record<string, string | undefined>;
  resolveSync(specifier: string, from: string): string;
  file(path: string): { arrayBuffer(): Promise<ArrayBuffer> };
  serve(options: { port: number; hostname: string; fetch: (req: Request) => Response | Promise<Response> }): { hostname: string; port: number };
};

const wasm = await Bun.file(Bun.resolveSync(defaultRuntimes.quickjs.artifact, (import.meta as ImportMeta & { dir: string }).dir)).arrayBuffer();
// Tenants, scripts, secrets and kv in one SQLite file (KILN_DB_PATH, the tables Node uses), so a restart keeps every deploy.
const { dbPath, cacheDir } = loadConfig(Bun.env);
const db = openBunSqlite(dbPath);
// Components' kv calls are answered by a helper worker with its own connection while the run waits (Atomics.wait).
const blocking = new WorkerBlockingHost((slot) => {
  const worker = new Worker(new URL("./host-worker.ts", import.meta.url).href, { type: "module" });
  worker.postMessage({ slot, dbPath } satisfies HostWorkerInit);
  return { post: (request: HostRequest) => worker.postMessage(request), terminate: () => worker.terminate() };
});
usePreview2ShimBrowser(); // before jco is first imported (the first upload)
const cache = bunPreparedCache(Bun.env.KILN_CACHE_DIR || ".kiln/cache");
// Callers' components: checked and prepared with jco on upload (in this thread), into KILN_CACHE_DIR.
const callers = callerComponents && new CallerComponentPreparer(cache, callerComponents);
// Lua, Ruby and Python, those that `npm run prepare:runtimes` (or a Node server) prepared in KILN_CACHE_DIR, and callers' components.
const components = await loadPreparedComponentEngine(cache, { blocking, callerComponents: callers && { language: callers.language, load: (bytes) => callers.load(bytes) } });
const { app, port, host } = await createInProcessApp({
  wasmModule: new WebAssembly.Module(wasm),
  env: Bun.env,
  kv: new BunSqliteKvStore(db),
  store: new BunSqlitePlatformStore(db),
  engines: components ? [components] : [],
  components: callers,
  // The playground's bundle, as `npm ci` (or a Node server) wrote it into KILN_CACHE_DIR.
  playground: cachedPlaygroundAssets(async (file) => new TextDecoder().decode(await Bun.file(`${cacheDir}/${file}`).arrayBuffer())),
});
const server = Bun.serve({ port, hostname: host, fetch: app.fetch });
serverLog("info", "listening", { url: `http://${server.hostname}:${server.port}` });
