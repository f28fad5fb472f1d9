import { MemoryKvStore } from "../../src/capabilities/kv-store.ts";
import { afterAll, beforeAll, expect } from "vitest";
import { loadArtifact } from "../../src/adapters/node/load-artifact.ts";
import { prepareQuickJSSnapshotModule } from "../../src/adapters/node/prepare-quickjs.ts";
import { WorkerPoolEngine } from "../../src/adapters/node/worker-pool.ts";
import { createApp } from "../../src/app.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import { createQuickJSEngine, defaultRuntimes } from "../../src/quickjs-defaults.ts";
import type { Engine, RunJob } from "../../src/engine/engine.ts";
import type { RunGrants } from "../../src/capabilities/grants.ts";
import { QuickJSEngine } from "../../src/engine/quickjs/quickjs-engine.ts";
import { callerComponents, componentRuntimes } from "../../languages/index.ts";
import type { ComponentRuntimeDescriptor } from "../../src/engine/component/runtime-descriptor.ts";
import { prepareComponentRuntimeFolder } from "../../src/adapters/node/prepare-component-runtime.ts";
import { preparedFolder } from "../../src/adapters/node/prepared-folder.ts";
import { loadPreparedRuntime } from "../../src/engine/component/prepared-runtime.ts";
import { ThreadBlockingHost } from "../../src/adapters/node/thread-blocking-host.ts";
import { prepareCallerComponent } from "../../src/adapters/node/prepare-caller-component.ts";
import { ThreadedComponentChecker } from "../../src/adapters/node/threaded-component-checker.ts";
import { servedLanguages } from "../../src/served-languages.ts";
import { ComponentEngine, type PreparedComponentRuntime } from "../../src/engine/component/component-engine.ts";
import { createPlatform } from "../../src/platform/create-platform.ts";
import { MemoryPlatformStore } from "../../src/platform/memory-platform-store.ts";
import type { Platform } from "../../src/platform/platform.ts";
import type { Tenant } from "../../src/platform/platform-store.ts";
import { resolveLimits, type RequestedLimits } from "../../src/limits/run-limits.ts";
import { nodeDocsAssets } from "../../src/adapters/node/docs-assets.ts";
import { responseChecker } from "./openapi-responses.ts";

let wasm: Promise<WebAssembly.Module> | undefined;
/** The real QuickJS wasm, compiled once per test file. */
let snapshotModule: ReturnType<typeof prepareQuickJSSnapshotModule> | undefined;
/** The instrumented QuickJS build snapshot sessions run on (prepared once into the test cache). */
export function quickjsSnapshotModule(): ReturnType<typeof prepareQuickJSSnapshotModule> {
  return (snapshotModule ??= prepareQuickJSSnapshotModule(defaultRuntimes.quickjs.artifact, { cacheDir: testConfig.cacheDir }));
}

export function quickjsWasm(): Promise<WebAssembly.Module> {
  return (wasm ??= loadArtifact(defaultRuntimes.quickjs.artifact));
}

export const testConfig: Config = loadConfig({});

/** A job for `language` with the server defaults, overridden by `limits`. */
export function job(language: string, code: string, options: { input?: unknown; limits?: RequestedLimits; grants?: RunGrants } = {}): RunJob {
  return {
    language,
    code,
    inputJson: JSON.stringify(options.input ?? null),
    limits: resolveLimits(options.limits, testConfig),
    host: { grants: options.grants ?? { secrets: {} }, limits: testConfig.hostLimits },
  };
}

export async function coreEngine(): Promise<QuickJSEngine> {
  return createQuickJSEngine(await quickjsWasm(), { services: { kv: new MemoryKvStore() } });
}

export async function workerPool(options: { size?: number; maxQueue?: number; kvPath?: string; warmUp?: { languages: string[]; memoryMb: number }; spares?: number } = {}): Promise<WorkerPoolEngine> {
  const wasmModule = await quickjsWasm();
  const folders = await componentRuntimeFolders();
  const runtimes = folders.map((p) => p.runtime);
  return new WorkerPoolEngine({
    size: options.size ?? 2,
    maxQueue: options.maxQueue ?? 1000,
    wasmModule,
    languages: servedLanguages(runtimes, { callerComponents: true }),
    kvPath: options.kvPath ?? ":memory:",
    cacheDir: ".kiln/cache",
    preparedDirs: folders.map((p) => p.dir),
    warmUp: options.warmUp,
    spares: options.spares,
  });
}

/** The app over a given engine, with a tenant allowed any http host, and a logger that records host errors instead of printing them. */
export async function appWith(engine: Engine, config: Config = testConfig, options: { platform?: Platform } = {}) {
  const errors: unknown[] = [];
  const platform = options.platform ?? (await createPlatform({ config, store: new MemoryPlatformStore() }));
  const app = createApp({
    config,
    engines: [engine],
    platform,
    logger: { error: (_m, e) => errors.push(e) },
    components: new ThreadedComponentChecker({ cacheDir: ".kiln/cache", timeoutMs: testConfig.componentCheckTimeoutMs }),
    docs: nodeDocsAssets(),
  });
  // Every answer `request` and `post` get must be one the app's OpenAPI document describes.
  const checkResponse = responseChecker(await (await app.request("/openapi.json")).json());
  const adminToken = (await platform.store.getMeta("dev-admin-token")) ?? config.adminToken!;
  let tenant = await platform.store.findTenantByName("test");
  let token: string;
  if (tenant) {
    token = await platform.authority.issue(tenant.id, { scopes: ["run", "deploy", "logs"], ttlSeconds: 3600 });
  } else {
    const created = await app.request("/v1/tenants", {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ name: "test", grants: { http: { allow: ["*"] } } }),
    });
    ({ tenant, token } = (await created.json()) as { tenant: Tenant; token: string });
  }
  /** A request with the tenant's token (or `as`), answered with its status and JSON body, checked against the OpenAPI document. */
  const request = async (path: string, init: { method?: string; body?: unknown; raw?: boolean; as?: string | null } = {}) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const bearer = init.as === undefined ? token : init.as;
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    const body = init.body === undefined ? undefined : init.raw ? (init.body as string) : JSON.stringify(init.body);
    const method = init.method ?? (body === undefined ? "GET" : "POST");
    const res = await app.request(path, { method, headers, body });
    const text = await res.text();
    checkResponse(method, path.split("?")[0]!, res.status, res.headers.get("content-type"), text);
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as any };
  };
  const post = (body: unknown, init: { raw?: boolean } = {}) => request("/v1/run", { method: "POST", body, raw: init.raw });
  return { app, post, request, errors, platform, token, adminToken, tenantId: tenant!.id };
}

const prepared = new Map<ComponentRuntimeDescriptor, Promise<{ dir: string; runtime: PreparedComponentRuntime }>>();
/** Every component runtime and its folder, prepared into .kiln/cache (test/global-setup.ts builds them once before any test file runs). */
function componentRuntimeFolders(): Promise<{ dir: string; runtime: PreparedComponentRuntime }[]> {
  return Promise.all(
    componentRuntimes.map((d) => {
      if (!prepared.has(d)) prepared.set(d, prepareComponentRuntimeFolder(d, { cacheDir: ".kiln/cache" }));
      return prepared.get(d)!;
    }),
  );
}

/** Every component runtime, prepared into .kiln/cache. */
export async function componentRuntimesPrepared(): Promise<PreparedComponentRuntime[]> {
  return (await componentRuntimeFolders()).map((p) => p.runtime);
}

/**
 * The component engine in this process, with kv (in memory) and http served by a blocking host thread.
 * `freshlyLoaded`: its runtimes loaded anew from their folders, so the first run of each compiles its module, as in a new worker.
 */
export async function componentEngine(options: { freshlyLoaded?: boolean } = {}): Promise<ComponentEngine> {
  const runtimes = options.freshlyLoaded
    ? await Promise.all((await componentRuntimeFolders()).map(({ dir }, i) => loadPreparedRuntime(componentRuntimes[i]!, preparedFolder(dir))))
    : await componentRuntimesPrepared();
  return new ComponentEngine(runtimes, {
    blocking: new ThreadBlockingHost({ kvPath: ":memory:" }),
    callerComponents: { language: callerComponents!, load: (bytes) => prepareCallerComponent(bytes, { cacheDir: ".kiln/cache" }) },
  });
}

/**
 * Registers a worker pool (2 threads) and the app over it for the current test file, and checks at
 * the end that every thread stopped. Read `pool` and `h` inside tests.
 */
export function usePoolApp(options: { warmUp?: string[] } = {}): { readonly pool: WorkerPoolEngine; readonly h: Awaited<ReturnType<typeof appWith>> } {
  const state = {} as { pool: WorkerPoolEngine; h: Awaited<ReturnType<typeof appWith>> };
  beforeAll(async () => {
    // As `npm start` does: the pool's first workers start these languages before they take jobs.
    const warmUp = options.warmUp && { languages: options.warmUp, memoryMb: testConfig.defaults.memoryMb };
    state.pool = await workerPool({ size: 2, warmUp });
    state.h = await appWith(state.pool);
  });
  afterAll(async () => {
    await state.pool.close();
    expect(state.pool.threads).toBe(0);
  });
  return state;
}
