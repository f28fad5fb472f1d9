import { RequestError } from "../../errors.ts";
import type { ComponentChecker } from "./component-checker.ts";
import type { PreparedComponentRuntime } from "./component-engine.ts";
import { componentId } from "./component-id.ts";
import { exportsOfWit, forbiddenImports, importsOfWit } from "./component-imports.ts";
import { GLUE_NAME, loadPreparedRuntime, MAIN_FILE, METERED_FILE, type PreparedFolder } from "./prepared-runtime.ts";
import type { CallerComponentsDescriptor } from "./runtime-descriptor.ts";
import { patchMemoryMax } from "../wasm/patch-memory-max.ts";

/** A cache of prepared folders an adapter reads and writes, with its own file API. */
export interface WritablePreparedCache {
  /** The prepared folder of that name in the cache; undefined when there is none. */
  folder(name: string): Promise<PreparedFolder | undefined>;
  /** Writes a prepared folder of that name whole (staged, then renamed into place), or leaves one another writer finished first. */
  write(name: string, files: Record<string, Uint8Array | string>): Promise<void>;
}

/** Bumped when the prepared folder's layout changes, so an older one is prepared again. */
const PREPARE_VERSION = "1";
const RUN_EXPORT = /^\s*export run: func\(input: string\) -> result<string, string>;/m;

/**
 * Callers' components where the adapter has no thread to prepare them on (Deno, Bun): checked on upload
 * (world `kiln:sandbox/script`, Kiln's imports only), transpiled by jco, the main core module (the largest,
 * with the guest's code and memory) metered by the fuel pass, and cached in the adapter's prepared cache by
 * content hash, so runs after a restart load the folder without jco. jco and binaryen run on the serving
 * thread: an upload holds it for as long as they take (a second for the C fixtures).
 */
export class CallerComponentPreparer implements ComponentChecker {
  /** `language`: the callers' components descriptor of languages/index.ts (its driver runs them). */
  constructor(
    private readonly cache: WritablePreparedCache,
    readonly language: CallerComponentsDescriptor,
  ) {}

  /** What a caller's component imports and exports; prepares it, so its first run finds it ready. */
  async check(bytes: Uint8Array): Promise<{ imports: string[]; exports: string[] }> {
    const shape = await inspectCallerComponent(bytes);
    await this.load(bytes);
    return shape;
  }

  /** The component, ready to instantiate (prepared first where the cache has no folder for it). */
  async load(bytes: Uint8Array): Promise<PreparedComponentRuntime> {
    const name = `component-${(await componentId(bytes)).slice(0, 32)}-edge${PREPARE_VERSION}`;
    let folder = await this.cache.folder(name);
    if (!folder) {
      await this.cache.write(name, await prepareCallerComponentFiles(bytes));
      folder = await this.cache.folder(name);
      if (!folder) throw new Error(`the prepared folder ${name} was written but cannot be read`);
    }
    return loadPreparedRuntime(this.language, folder);
  }
}

/** jco's glue and core modules, and the metered main module, as a prepared folder's files; refuses what is no component Kiln runs. */
export async function prepareCallerComponentFiles(bytes: Uint8Array): Promise<Record<string, Uint8Array | string>> {
  await inspectCallerComponent(bytes);
  const [{ transpile }, { instrumentFuel }] = await Promise.all([jco(), import("../wasm/instrument-fuel.ts")]);
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
  // The glue and the core modules (jco's .d.ts files are of no use to a run).
  const kept = Object.fromEntries(Object.entries(files).filter(([file]) => !file.endsWith(".d.ts")));
  // jco's glue is an ES module: a cache outside any `"type": "module"` package must say so itself.
  return { "package.json": '{"type":"module"}\n', ...kept, [`${METERED_FILE}.wasm`]: metered, [MAIN_FILE]: main };
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

/** jco, loaded on first use: a server that never takes a component never needs it. */
const jco = () => import("@bytecodealliance/jco");

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : typeof e === "object" && e && "payload" in e ? String((e as { payload: unknown }).payload) : String(e);
  return text.split("\n")[0]!.slice(0, 300);
}
