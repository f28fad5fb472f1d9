/** Kiln's QuickJS engine in process for bench:peers, built as the server builds it (no test helpers: they import vitest). */
import { loadArtifact } from "../../src/adapters/node/load-artifact.ts";
import { prepareQuickJSSnapshotModule } from "../../src/adapters/node/prepare-quickjs.ts";
import { loadConfig } from "../../src/config.ts";
import type { RunJob } from "../../src/engine/engine.ts";
import { resolveLimits } from "../../src/limits/run-limits.ts";
import { defaultRuntimes } from "../../src/quickjs-defaults.ts";

export const config = loadConfig({ ...process.env, KILN_RATE_TENANT_PER_MINUTE: String(1e9) });

export const quickjsWasm = () => loadArtifact(defaultRuntimes.quickjs.artifact);
export const quickjsSnapshotModule = () => prepareQuickJSSnapshotModule(defaultRuntimes.quickjs.artifact, { cacheDir: config.cacheDir });

/** A JavaScript job with the server's default limits. */
export function job(language: string, code: string, options: { input?: unknown } = {}): RunJob {
  return { language, code, inputJson: JSON.stringify(options.input ?? null), limits: resolveLimits(undefined, config), host: { grants: { secrets: {} }, limits: config.hostLimits } };
}
