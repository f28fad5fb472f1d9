/** `npm start`: serves Kiln on Node with every engine (QuickJS and the component engine) in worker threads. */
import type { AddressInfo } from "node:net";
import { createApp } from "../../app.ts";
import { loadConfig } from "../../config.ts";
import { defaultRuntimes } from "../../quickjs-defaults.ts";
import { QuickJSEngine } from "../../engine/quickjs/quickjs-engine.ts";
import { jsonLogger, serverLog, setServerLogLevel } from "../../server-log.ts";
import { PrometheusMetrics } from "./prometheus-metrics.ts";
import { metricsOnlyApp } from "../../http/routes/metrics-routes.ts";
import { componentRuntimes } from "../../../languages/index.ts";
import { ComponentEngine, type PreparedComponentRuntime } from "../../engine/component/component-engine.ts";
import { loadArtifact } from "./load-artifact.ts";
import { prepareQuickJSSnapshotModule } from "./prepare-quickjs.ts";
import { servedLanguages } from "../../served-languages.ts";
import { ThreadedComponentChecker } from "./threaded-component-checker.ts";
import { prepareComponentRuntimeFolder } from "./prepare-component-runtime.ts";
import { createPlatform, devBootstrap } from "../../platform/create-platform.ts";
import type { PlatformStore } from "../../platform/platform-store.ts";
import { connectRedis, redisReady } from "./redis/redis-connection.ts";
import { RedisCounterStore } from "./redis/redis-counter-store.ts";
import { RedisLogBus } from "./redis/redis-log-bus.ts";
import { RedisPlatformStore } from "./redis/redis-platform-store.ts";
import { SqlitePlatformStore } from "./sqlite-platform-store.ts";
import { openSubmissionQueue } from "./open-submission-queue.ts";
import { NodeHttpTransport } from "./node-http-transport.ts";
import { startSubmissionConsumer } from "../../platform/submission-consumer.ts";
import { WorkerPoolEngine } from "./worker-pool.ts";
import { createNodeServer } from "./http-server.ts";
import { nodeDocsAssets } from "./docs-assets.ts";
import { nodePlaygroundAssets } from "./playground-assets.ts";
import { getConnInfo } from "@hono/node-server/conninfo";
import { createNodeWebSocket } from "@hono/node-ws";
import type { Hono } from "hono";

let config;
try {
  config = loadConfig(process.env);
} catch (e) {
  serverLog("error", "invalid configuration", { error: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}
setServerLogLevel(config.logLevel);
const runtime = defaultRuntimes.quickjs;
const wasmModule = await loadArtifact(runtime.artifact);
let snapshotModule;
const prepared: PreparedComponentRuntime[] = [];
const preparedDirs: string[] = [];
try {
  // The instrumented build QuickJS snapshots run on (dirty-page resets), made once and cached.
  snapshotModule = await prepareQuickJSSnapshotModule(runtime.artifact, { cacheDir: config.cacheDir });
  // Prepared (and cached) here once, so the worker threads only load them.
  for (const descriptor of componentRuntimes) {
    const { dir, runtime } = await prepareComponentRuntimeFolder(descriptor, { cacheDir: config.cacheDir });
    prepared.push(runtime);
    preparedDirs.push(dir);
  }
} catch (e) {
  serverLog("error", `cannot prepare the runtimes in KILN_CACHE_DIR (${config.cacheDir}): it must be a writable folder`, { error: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}
/** KILN_WARM_UP's languages (aliases allowed), or every runtime that keeps warm instances; an unknown name stops the start. */
function warmUpLanguages(names: string[] | undefined): string[] {
  if (!names) return prepared.filter((r) => r.warm).map((r) => r.language.name);
  return names.map((name) => {
    const runtime = prepared.find((r) => r.language.name === name || r.language.aliases.includes(name));
    if (runtime) return runtime.language.name;
    serverLog("error", "invalid configuration", { error: `config: KILN_WARM_UP names ${JSON.stringify(name)}, which is none of ${prepared.map((r) => r.language.name).join(", ")}` });
    process.exit(1);
  });
}
// GET /metrics (prom-client): runs, requests, the pool's workers and warm pools, the process.
const metrics = new PrometheusMetrics();
const engine = new WorkerPoolEngine({
  size: config.workers,
  spares: config.spareWorkers,
  maxQueue: config.maxQueue,
  wasmModule,
  languages: servedLanguages(prepared, { callerComponents: true }),
  kvPath: config.dbPath,
  redisUrl: config.redisUrl,
  cacheDir: config.cacheDir,
  preparedDirs,
  warmInstances: config.warmInstances,
  warmPoolBytes: config.warmPoolBytes,
  maxMemoryMb: config.maxima.memoryMb,
  snapshots: { ...config.snapshots, module: snapshotModule },
  // Each worker starts the kept-warm runtimes (Lua, Ruby, Python) before it serves, so no caller pays for their first start.
  warmUp: { languages: warmUpLanguages(config.warmUp), memoryMb: config.defaults.memoryMb },
  metrics,
});
metrics.observe(engine);
await engine.ready();
let store: PlatformStore;
let platform;
try {
  if (config.redisUrl) {
    const [main, publisher, subscriber] = [0, 1, 2].map(() => connectRedis(config.redisUrl!));
    await Promise.all([main, publisher, subscriber].map((r) => redisReady(r!)));
    store = new RedisPlatformStore(main!);
    const logs = new RedisLogBus(publisher!, subscriber!);
    platform = await createPlatform({ config, store, logs, counters: new RedisCounterStore(main!) });
  } else {
    store = new SqlitePlatformStore(config.dbPath, { backgroundCheckpoints: true });
    platform = await createPlatform({ config, store });
  }
} catch (e) {
  serverLog("error", "cannot start", { error: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}
const boot = await devBootstrap(platform, config);
if (boot) serverLog("info", "dev mode (KILN_ENV=production turns it off): tokens for trying Kiln out", boot);
// Judge0's asynchronous submissions: queued in SQLite (or Redis, shared by every node) and run by this consumer.
const submissions = await openSubmissionQueue(config);
const callbacks = new NodeHttpTransport();
const consumer = startSubmissionConsumer({ config, platform, engines: [engine], queue: submissions, transport: callbacks, onError: (e) => serverLog("error", "judge0 submission", { error: e }) });
// WebSockets (Piston's /api/v2/connect): the upgrade is routed through the app, made just below.
const nodeWs = createNodeWebSocket({ app: { request: (...args: Parameters<Hono["request"]>) => app.request(...(args as Parameters<typeof app.request>)) } as Hono });
// The playground's bundle (`npm ci` made it): made again now, in the background, if it is missing or older than its source.
const playground = nodePlaygroundAssets(config.cacheDir);
playground().catch((e: unknown) => serverLog("error", "bundling the playground failed", { error: e instanceof Error ? e.message : String(e) }));
const app = createApp({ config, engines: [engine], platform, logger: jsonLogger, components: new ThreadedComponentChecker({ cacheDir: config.cacheDir, timeoutMs: config.componentCheckTimeoutMs }), docs: nodeDocsAssets(), playground, connInfo: getConnInfo, submissions, http: callbacks, upgradeWebSocket: nodeWs.upgradeWebSocket, metrics });
const server = createNodeServer(app.fetch).listen(config.port, config.host, () => {
  const info = server.address() as AddressInfo;
  serverLog("info", "listening", { url: `http://${info.address}:${info.port}` });
});
nodeWs.injectWebSocket(server);
// KILN_METRICS_PORT: `GET /metrics` alone, without a token, on loopback only (a Prometheus on this host scrapes it).
const metricsServer =
  config.metricsPort === undefined
    ? undefined
    : createNodeServer(metricsOnlyApp(metrics).fetch)
        .listen(config.metricsPort, "127.0.0.1", () => serverLog("info", "metrics listening", { metricsUrl: `http://127.0.0.1:${(metricsServer!.address() as AddressInfo).port}/metrics` }))
        .once("error", (e: NodeJS.ErrnoException) => {
          serverLog("error", "cannot listen", { error: e.code === "EADDRINUSE" ? `port ${config.metricsPort} is in use (KILN_METRICS_PORT sets another)` : e.message, code: e.code });
          process.exit(1);
        });
// A port in use or a host that is not this machine's: one line saying so, not a stack trace.
server.once("error", (e: NodeJS.ErrnoException) => {
  const why = e.code === "EADDRINUSE" ? `port ${config.port} is in use (PORT sets another)` : e.code === "EADDRNOTAVAIL" ? `${config.host} is not an address of this machine (KILN_HOST)` : e.code === "EACCES" ? `no permission to listen on port ${config.port}` : e.message;
  serverLog("error", "cannot listen", { error: why, code: e.code });
  process.exit(1);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close();
    metricsServer?.close();
    void consumer.stop().then(() => engine.close()).then(() => {
      void submissions.dispose();
      store.dispose();
      process.exit(0);
    });
  });
}
