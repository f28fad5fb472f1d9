import { existsSync } from "node:fs";
import { join } from "node:path";
import { RequestError } from "../../errors.ts";
import { callerComponents } from "../../../languages/index.ts";
import { componentId } from "../../engine/component/component-id.ts";
import type { PreparedComponentRuntime } from "../../engine/component/component-engine.ts";
import { exportsOfWit, forbiddenImports, importsOfWit } from "../../engine/component/component-imports.ts";
import { patchMemoryMax } from "../../engine/wasm/patch-memory-max.ts";
import { GLUE_NAME, loadPreparedRuntime, MAIN_FILE, METERED_FILE } from "../../engine/component/prepared-runtime.ts";
import { writePreparedFolder } from "./prepare-component-runtime.ts";
import { preparedFolder } from "./prepared-folder.ts";

const PREPARE_VERSION = "3";
const RUN_EXPORT = /^\s*export run: func\(input: string\) -> result<string, string>;/m;

/** Checks a caller's component and prepares it into the runtime cache, so runs find it ready (on the checker's thread: threaded-component-checker.ts). */
export async function checkAndPrepareComponent(bytes: Uint8Array, options: { cacheDir: string }): Promise<{ imports: string[]; exports: string[] }> {
  const shape = await inspectCallerComponent(bytes);
  await prepareCallerComponent(bytes, options);
  return shape;
}

/** What a caller's component imports and exports; refuses anything but a component of world `script` within Kiln's imports. */
export async function inspectCallerComponent(bytes: Uint8Array): Promise<{ imports: string[]; exports: string[] }> {
  let wit: string;
  try {
    const { componentWit } = await jco();
    wit = await componentWit(bytes);
  } catch (e) {
    throw new RequestError("invalid_component", `Not a WebAssembly component: ${firstLine(e)}`);
  }
  const forbidden = forbiddenImports(wit);
  if (forbidden.length) throw new RequestError("forbidden_import", `The component imports what Kiln does not provide: ${forbidden.join(", ")}`);
  if (!RUN_EXPORT.test(wit)) throw new RequestError("invalid_component", "The component must export run: func(input: string) -> result<string, string> (world kiln:sandbox/script)");
  return { imports: importsOfWit(wit), exports: exportsOfWit(wit) };
}

/**
 * A caller's component, ready to instantiate: checked, transpiled by jco, its main core module (the
 * largest, which holds the guest's code and memory) metered by the fuel pass; cached on disk by
 * content hash. Other core modules (WASI adapter, jco's shims) run unmetered; the deadline bounds them.
 */
export async function prepareCallerComponent(bytes: Uint8Array, options: { cacheDir: string }): Promise<PreparedComponentRuntime> {
  const dir = join(options.cacheDir, `component-${(await componentId(bytes)).slice(0, 32)}-${PREPARE_VERSION}`);
  if (!existsSync(join(dir, `${METERED_FILE}.wasm`))) {
    await inspectCallerComponent(bytes);
    const [{ transpile }, { instrumentFuel }] = await Promise.all([jco(), import("../../engine/wasm/instrument-fuel.ts")]);
    let files: Record<string, Uint8Array>;
    try {
      ({ files } = await transpile(bytes, { name: GLUE_NAME, instantiation: "async" }));
    } catch (e) {
      throw new RequestError("invalid_component", `jco cannot transpile the component: ${firstLine(e)}`);
    }
    const wasm = Object.keys(files).filter((name) => name.endsWith(".wasm"));
    const main = wasm.reduce((a, b) => (files[b]!.length > files[a]!.length ? b : a));
    let metered: Uint8Array;
    try {
      metered = instrumentFuel(files[main]!);
      new WebAssembly.Module(patchMemoryMax(metered, 1024));
      for (const name of wasm) new WebAssembly.Module(new Uint8Array(files[name]!));
    } catch (e) {
      throw new RequestError("invalid_component", `The component's core modules cannot be metered and capped here: ${firstLine(e)}`);
    }
    writePreparedFolder(dir, { ...files, [`${METERED_FILE}.wasm`]: metered, [MAIN_FILE]: main });
  }
  if (!callerComponents) throw new Error("languages/index.ts lists no callers' components");
  return loadPreparedRuntime(callerComponents, preparedFolder(dir));
}

/** jco, loaded on first use: a worker that only runs prepared components never needs it. */
const jco = () => import("@bytecodealliance/jco");

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : typeof e === "object" && e && "payload" in e ? String((e as { payload: unknown }).payload) : String(e);
  return text.split("\n")[0]!.slice(0, 300);
}
