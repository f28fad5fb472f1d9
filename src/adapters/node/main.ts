/** `npm start`: serves Kiln on Node with QuickJS engines in worker threads. */
import { serve } from "@hono/node-server";
import { createApp } from "../../app.ts";
import { loadConfig } from "../../config.ts";
import { defaultRuntimes } from "../../default-engines.ts";
import { QuickJSEngine } from "../../engine/quickjs/quickjs-engine.ts";
import { loadArtifact } from "./load-artifact.ts";
import { createPlatform, devBootstrap } from "../../platform/create-platform.ts";
import { SqlitePlatformStore } from "./sqlite-platform-store.ts";
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
  kvPath: config.dbPath,
});
await engine.ready();
const store = new SqlitePlatformStore(config.dbPath);
let platform;
try {
  platform = await createPlatform({ config, store });
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
const boot = await devBootstrap(platform, config);
if (boot) {
  console.log("kiln dev mode (KILN_ENV=production turns this off); tokens for trying it out:");
  console.log(`  admin token:      ${boot.adminToken}`);
  console.log(`  dev tenant token: ${boot.tenantToken}`);
}
const app = createApp({ config, engines: [engine], platform });
const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
  console.log(`kiln listening on http://${info.address}:${info.port}`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close();
    void engine.close().then(() => {
      store.dispose();
      process.exit(0);
    });
  });
}
