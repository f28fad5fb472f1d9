/** `npm start`: serves Kiln on Node with QuickJS engines in worker threads. */
import { serve } from "@hono/node-server";
import { createApp } from "../../app.ts";
import { loadConfig } from "../../config.ts";
import { defaultRuntimes } from "../../default-engines.ts";
import { QuickJSEngine } from "../../engine/quickjs/quickjs-engine.ts";
import { loadArtifact } from "./load-artifact.ts";
import { WorkerPoolEngine } from "./worker-pool.ts";

let config;
try {
  config = loadConfig(process.env);
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
const runtime = defaultRuntimes.quickjs;
const wasmModule = await loadArtifact(runtime.artifact);
const engine = new WorkerPoolEngine({
  size: config.workers,
  maxQueue: config.maxQueue,
  wasmModule,
  languages: QuickJSEngine.languagesOf(runtime),
  kvPath: config.kvPath,
});
await engine.ready();
const app = createApp({ config, engines: [engine] });
const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
  console.log(`kiln listening on http://${info.address}:${info.port}`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close();
    void engine.close().then(() => process.exit(0));
  });
}
