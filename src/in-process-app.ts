import type { Hono } from "hono";
import { createApp } from "./app.ts";
import { jsonLogger, serverLog, setServerLogLevel } from "./server-log.ts";
import type { KilnEnv } from "./http/authenticate.ts";
import { createPlatform, devBootstrap } from "./platform/create-platform.ts";
import { MemoryPlatformStore } from "./platform/memory-platform-store.ts";
import type { PlatformStore } from "./platform/platform-store.ts";
import { loadConfig } from "./config.ts";
import { createQuickJSEngine } from "./quickjs-defaults.ts";
import type { Engine } from "./engine/engine.ts";
import type { HttpTransport } from "./capabilities/http-transport.ts";
import { MemoryKvStore, type KvStore } from "./capabilities/kv-store.ts";
import type { TypeScriptTranspiler } from "./engine/quickjs/typescript-transpiler.ts";
import type { LoadDocsAssets } from "./http/docs-page.ts";
import type { LoadPlaygroundAssets } from "./http/playground-page.ts";
import type { ComponentChecker } from "./engine/component/component-checker.ts";

/**
 * The app with its engine in the same thread: how Kiln runs on edge runtimes (workerd, Deno, Bun),
 * where there are no worker threads. Deadlines are checked at every fuel poll; a native built-in
 * that never polls is bounded only by the memory cap and the platform's own CPU limit.
 * `kv` and the platform (tenants, scripts) use in-memory stores unless others are given; `http` is
 * granted only with a transport. In dev mode it logs the admin and dev-tenant tokens once.
 */
export async function createInProcessApp(options: {
  wasmModule: WebAssembly.Module;
  env: Record<string, string | undefined>;
  kv?: KvStore;
  store?: PlatformStore;
  http?: HttpTransport;
  /** More engines beside QuickJS (the component engine where runtimes were prepared). */
  engines?: Engine[];
  /** The instrumented QuickJS build for snapshots, where the adapter could make one. */
  snapshotModule?: { module: WebAssembly.Module; sha256: string };
  /** How TypeScript is transpiled where esbuild's binary cannot run (see `defaultTypeScript`). */
  typescript?: TypeScriptTranspiler;
  /** Swagger UI's script and stylesheet for `GET /docs`, where the adapter has them (the Worker's bundle). */
  docs?: LoadDocsAssets;
  /** The playground's bundle for `GET /`, where the adapter has it (the Worker's bundle, or KILN_CACHE_DIR on Deno and Bun). */
  playground?: LoadPlaygroundAssets;
  /** Checks callers' components on upload, where the adapter can run jco (Deno, Bun); without it `POST /v1/components` is `not_supported`. */
  components?: ComponentChecker;
}): Promise<{ app: Hono<KilnEnv>; engine: Engine; port: number; host: string }> {
  const config = loadConfig(options.env);
  setServerLogLevel(config.logLevel);
  const engine = createQuickJSEngine(options.wasmModule, {
    services: { kv: options.kv ?? new MemoryKvStore(), http: options.http },
    warmInstances: config.warmInstances,
    snapshotMinInitMs: config.snapshots.minInitMs,
    snapshotCacheBytes: config.snapshots.cacheBytes,
    snapshotModule: options.snapshotModule,
    typescript: options.typescript,
  });
  const platform = await createPlatform({ config, store: options.store ?? new MemoryPlatformStore() });
  const boot = await devBootstrap(platform, config);
  if (boot) serverLog("info", "dev mode (KILN_ENV=production turns it off): tokens for trying Kiln out", boot);
  return { app: createApp({ config, engines: [engine, ...(options.engines ?? [])], platform, logger: jsonLogger, docs: options.docs, playground: options.playground, components: options.components }), engine, port: config.port, host: config.host };
}
