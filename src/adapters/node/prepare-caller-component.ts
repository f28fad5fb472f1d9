import { existsSync } from "node:fs";
import { join } from "node:path";
import { callerComponents } from "../../../languages/index.ts";
import { componentId } from "../../engine/component/component-id.ts";
import type { PreparedComponentRuntime } from "../../engine/component/component-engine.ts";
import { inspectCallerComponent, prepareCallerComponentFiles } from "../../engine/component/caller-component-preparer.ts";
import { loadPreparedRuntime, METERED_FILE } from "../../engine/component/prepared-runtime.ts";
import { writePreparedFolder } from "./prepare-component-runtime.ts";
import { preparedFolder } from "./prepared-folder.ts";

const PREPARE_VERSION = "3";

/** Checks a caller's component and prepares it into the runtime cache, so runs find it ready (on the checker's thread: threaded-component-checker.ts). */
export async function checkAndPrepareComponent(bytes: Uint8Array, options: { cacheDir: string }): Promise<{ imports: string[]; exports: string[] }> {
  const shape = await inspectCallerComponent(bytes);
  await prepareCallerComponent(bytes, options);
  return shape;
}

/**
 * A caller's component, ready to instantiate: checked, transpiled by jco, its main core module (the
 * largest, which holds the guest's code and memory) metered by the fuel pass (caller-component-preparer.ts);
 * cached on disk by content hash. Other core modules (WASI adapter, jco's shims) run unmetered; the deadline bounds them.
 */
export async function prepareCallerComponent(bytes: Uint8Array, options: { cacheDir: string }): Promise<PreparedComponentRuntime> {
  const dir = join(options.cacheDir, `component-${(await componentId(bytes)).slice(0, 32)}-${PREPARE_VERSION}`);
  if (!existsSync(join(dir, `${METERED_FILE}.wasm`))) writePreparedFolder(dir, await prepareCallerComponentFiles(bytes));
  if (!callerComponents) throw new Error("languages/index.ts lists no callers' components");
  return loadPreparedRuntime(callerComponents, preparedFolder(dir));
}
