/**
 * The component engine of the Worker, over the runtimes its bundle carries. Each main module comes in
 * the memory variants the build made (KILN_WORKER_MEMORY_MB); the engine's ceiling is the smallest
 * variant at or above the server's largest cap (KILN_MAX_MEMORY_MB), and each run's own cap is the
 * cap global under it, so warm instances serve every cap. Without KILN_MAX_MEMORY_MB, the server's
 * largest cap is the largest variant. There is no helper thread here: the bundle's glue is jco's JSPI
 * glue (jspi-glue.ts), so a component's `kv` call suspends its wasm stack while `services.kv` (the same
 * store JavaScript runs use) answers; `http` stays off, as on the other edge adapters. Deadlines are
 * checked at fuel polls, and a pending `kv` call ends at the run's deadline (ComponentHost).
 */
import { loadConfig } from "../../config.ts";
import { ComponentEngine } from "../../engine/component/component-engine.ts";
import type { HostServices } from "../../capabilities/run-host.ts";
import { bundledRuntime, variantsOf, type BundledComponentRuntime } from "./bundled-component-runtime.ts";

export function bundledComponentEngine(bundles: BundledComponentRuntime[], vars: Record<string, string>, services: HostServices): { engine: ComponentEngine; env: Record<string, string> } | undefined {
  if (!bundles.length) return undefined;
  const largest = Math.max(...variantsOf(bundles[0]!));
  const env = { KILN_MAX_MEMORY_MB: String(largest), ...vars };
  const config = loadConfig(env);
  const ceiling = variantsOf(bundles[0]!).find((mb) => mb >= config.maxima.memoryMb);
  if (ceiling === undefined) throw new Error(`KILN_MAX_MEMORY_MB is ${config.maxima.memoryMb}, but the Worker was built with memory variants up to ${largest} MiB (KILN_WORKER_MEMORY_MB)`);
  const engine = new ComponentEngine(bundles.map(bundledRuntime), { services, warmInstances: config.warmInstances, maxMemoryMb: ceiling });
  return { engine, env };
}
