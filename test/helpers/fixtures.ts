import { loadArtifact } from "../../src/adapters/node/load-artifact.ts";
import { WorkerPoolEngine } from "../../src/adapters/node/worker-pool.ts";
import { createApp } from "../../src/app.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import { createQuickJSEngine, defaultRuntimes } from "../../src/default-engines.ts";
import type { Engine, RunJob } from "../../src/engine/engine.ts";
import type { RunGrants } from "../../src/host/grants.ts";
import { QuickJSEngine } from "../../src/engine/quickjs/quickjs-engine.ts";
import { resolveLimits, type RequestedLimits } from "../../src/limits/run-limits.ts";

let wasm: Promise<WebAssembly.Module> | undefined;
/** The real QuickJS wasm, compiled once per test file. */
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
  return createQuickJSEngine(await quickjsWasm());
}

export async function workerPool(options: { size?: number; maxQueue?: number; kvPath?: string } = {}): Promise<WorkerPoolEngine> {
  const wasmModule = await quickjsWasm();
  return new WorkerPoolEngine({
    size: options.size ?? 2,
    maxQueue: options.maxQueue ?? 1000,
    wasmModule,
    languages: QuickJSEngine.languagesOf(defaultRuntimes.quickjs),
    kvPath: options.kvPath ?? ":memory:",
  });
}

/** The app over a given engine, with a logger that records host errors instead of printing them. */
export function appWith(engine: Engine, config: Config = testConfig) {
  const errors: unknown[] = [];
  const app = createApp({ config, engines: [engine], logger: { error: (_m, e) => errors.push(e) } });
  const post = async (body: unknown, init: { raw?: boolean } = {}) => {
    const res = await app.request("/v1/run", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: init.raw ? (body as string) : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  return { app, post, errors };
}
