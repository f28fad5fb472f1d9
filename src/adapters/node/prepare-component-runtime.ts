import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { serverLog } from "../../server-log.ts";
import { preparedFolder } from "./prepared-folder.ts";
import type { ComponentRuntimeDescriptor } from "../../engine/component/runtime-descriptor.ts";
import type { PreparedComponentRuntime } from "../../engine/component/component-engine.ts";
import { forbiddenImports, RUNTIME_IMPORTS } from "../../engine/component/component-imports.ts";
import { GLUE_NAME, loadPreparedRuntime, METERED_FILE, MOUNT_PREFIX, preparedFolderName } from "../../engine/component/prepared-runtime.ts";

/**
 * Turns a component runtime descriptor into something the engine can instantiate, once per content
 * hash, cached on disk (`cacheDir`, gitignored): the reactor is wrapped as a component
 * (componentEmbed → componentNew with the preview1 reactor adapter → jco transpile), and metered by
 * the fuel pass. jco only accepts Wasm exceptions in the exnref encoding, which Node 20 cannot run,
 * so the component is built from a binaryen exnref copy and the metered legacy-encoding module
 * (same imports and exports) is what actually runs. Runtimes kept warm also get dirty-page tracking
 * in every core module that writes memory (the main one and the WASI adapter), so a restore copies
 * only the pages a run wrote.
 */
export async function prepareComponentRuntime(descriptor: ComponentRuntimeDescriptor, options: { cacheDir: string }): Promise<PreparedComponentRuntime> {
  return (await prepareComponentRuntimeFolder(descriptor, options)).runtime;
}

/** prepareComponentRuntime, also naming the checked folder: worker threads load it without hashing and checking again. */
export async function prepareComponentRuntimeFolder(descriptor: ComponentRuntimeDescriptor, options: { cacheDir: string }): Promise<{ dir: string; runtime: PreparedComponentRuntime }> {
  const bytes = readFileSync(descriptor.artifact);
  const dir = join(options.cacheDir, await preparedFolderName(descriptor, bytes));
  if (!existsSync(join(dir, `${METERED_FILE}.wasm`))) await build(descriptor, bytes, dir);
  try {
    return { dir, runtime: await loadChecked(descriptor, dir) };
  } catch (e) {
    // A damaged cache (a truncated or edited file) is prepared again rather than failing every run later.
    serverLog("warn", `the prepared ${descriptor.language.name} runtime in the cache is damaged; preparing it again`, { dir, error: e instanceof Error ? e.message : String(e) });
    rmSync(dir, { recursive: true, force: true });
    await build(descriptor, bytes, dir);
    return { dir, runtime: await loadChecked(descriptor, dir) };
  }
}

/** Loads a prepared folder, checking the metered module too (the engine compiles it only on a run's first use of a memory cap). */
async function loadChecked(descriptor: ComponentRuntimeDescriptor, dir: string): Promise<PreparedComponentRuntime> {
  if (!WebAssembly.validate(readFileSync(join(dir, `${METERED_FILE}.wasm`)))) throw new Error(`${METERED_FILE}.wasm is not a valid module`);
  return loadPreparedRuntime(descriptor, preparedFolder(dir));
}

/** A file's bytes, gunzipped when its name ends in `.gz`. */
function readMaybeGzipped(url: URL): Uint8Array {
  const bytes = readFileSync(url);
  return url.pathname.endsWith(".gz") ? gunzipSync(bytes) : bytes;
}

async function build(descriptor: ComponentRuntimeDescriptor, stored: Uint8Array, dir: string): Promise<void> {
  // The build tools load only on a cache miss: jco and binaryen take about a second, and a server
  // (each of its worker threads too) that finds its runtimes prepared never needs them.
  const [{ componentEmbed, componentNew, componentWit, preview1AdapterReactorPath, transpile }, { exnrefCopy }, { instrumentDirty }, { exportModuleState, instrumentFuel }] = await Promise.all([
    import("@bytecodealliance/jco"),
    import("../../engine/wasm/exnref-copy.ts"),
    import("../../engine/wasm/instrument-dirty.ts"),
    import("../../engine/wasm/instrument-fuel.ts"),
  ]);
  const artifact = descriptor.artifact.pathname.endsWith(".gz") ? gunzipSync(stored) : stored;
  const bytes = descriptor.prepareCore ? await descriptor.prepareCore(artifact) : artifact;
  const embedded = await componentEmbed({ binary: descriptor.exceptions ? exnrefCopy(bytes) : bytes, witSource: descriptor.witSource, world: descriptor.world });
  const component = await componentNew(embedded, [["wasi_snapshot_preview1", readFileSync(preview1AdapterReactorPath())]]);
  const forbidden = forbiddenImports(await componentWit(component), RUNTIME_IMPORTS);
  if (forbidden.length) throw new Error(`the ${descriptor.language.name} component imports what Kiln's host does not provide: ${forbidden.join(", ")}`);
  const { files } = await transpile(component, { name: GLUE_NAME, instantiation: "async" });
  // Dirty tracking goes last, so that fuel counts the guest's own work only and the tracking globals are not state.
  const track = (module: Uint8Array) => (descriptor.warm ? instrumentDirty(module) : module);
  // The other core modules' state (jco's WASI adapter keeps some in globals) must be restorable too.
  for (const [name, content] of Object.entries(files)) {
    if (name.endsWith(".wasm") && name !== `${GLUE_NAME}.core.wasm`) files[name] = track(exportModuleState(content));
  }
  const mounts = Object.fromEntries((descriptor.mounts ?? []).map((m) => [`${MOUNT_PREFIX}${m.file}`, readMaybeGzipped(m.artifact)]));
  writePreparedFolder(dir, { ...files, ...mounts, [`${METERED_FILE}.wasm`]: track(instrumentFuel(bytes)) });
}

/** Writes a prepared folder in a private place and renames it into place, so workers preparing at once never see half a cache. */
export function writePreparedFolder(dir: string, files: Record<string, Uint8Array | string>): void {
  const staging = `${dir}.${process.pid}.${Date.now()}`;
  // jco's glue is an ES module: a cache outside any `"type": "module"` package (KILN_CACHE_DIR=/var/cache/kiln) must say so itself.
  for (const [name, content] of Object.entries({ "package.json": '{"type":"module"}\n', ...files })) {
    mkdirSync(dirname(join(staging, name)), { recursive: true });
    writeFileSync(join(staging, name), content);
  }
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another worker got there first
  }
}
