/**
 * jco's glue for JSPI, for the Worker's bundle (build.ts): workerd has no thread a component's
 * host call could block on, but its V8 has JSPI (`WebAssembly.Suspending` / `WebAssembly.promising`).
 * jco's `asyncMode: "jspi"` makes the `kiln:runtime/host` import a suspending one (the guest's wasm
 * stack is parked while `kv` answers) and every export promising (drivers await them). Only the glue
 * differs from the synchronous transpile: the core modules jco writes are byte for byte the same, so
 * the prepared folder's (metered, dirty-tracked) modules serve it. jco needs the component, which the
 * prepared folder does not keep, so it is made again as prepare-component-runtime.ts makes it; the glue
 * is cached next to the prepared folder (`<folder>.jspi.js`), as it derives from the same hash.
 */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import type { ComponentRuntimeDescriptor } from "../../engine/component/runtime-descriptor.ts";
import { GLUE_NAME } from "../../engine/component/prepared-runtime.ts";

/** The imports through which Kiln's runtimes call the host (kiln-imports.ts): these may suspend. */
const HOST_IMPORTS = ["kiln:runtime/host#call", "kiln:runtime/host#call-json"];

/** The exports of a component world's WIT (`export name: func…`): all become promising. */
function worldExports(witSource: string, world: string): string[] {
  const body = new RegExp(`world\\s+${world}\\s*\\{([^}]*)\\}`).exec(witSource)?.[1];
  if (body === undefined) throw new Error(`jspi-glue: no world ${world} in the runtime's WIT`);
  return [...body.matchAll(/^\s*export\s+([a-z][a-z0-9-]*)\s*:\s*func\b/gm)].map((m) => m[1]!);
}

/** The path of the JSPI glue for the runtime prepared in `dir`, made (and cached) when missing. */
export async function jspiGlue(descriptor: ComponentRuntimeDescriptor, dir: string): Promise<string> {
  const path = `${dir}.jspi.js`;
  if (existsSync(path)) return path;
  const [{ componentEmbed, componentNew, preview1AdapterReactorPath, transpile }, { exnrefCopy }] = await Promise.all([import("@bytecodealliance/jco"), import("../../engine/wasm/exnref-copy.ts")]);
  const stored = readFileSync(descriptor.artifact);
  const artifact = descriptor.artifact.pathname.endsWith(".gz") ? gunzipSync(stored) : stored;
  const bytes = descriptor.prepareCore ? await descriptor.prepareCore(artifact) : artifact;
  const embedded = await componentEmbed({ binary: descriptor.exceptions ? exnrefCopy(bytes) : bytes, witSource: descriptor.witSource, world: descriptor.world });
  const component = await componentNew(embedded, [["wasi_snapshot_preview1", readFileSync(preview1AdapterReactorPath())]]);
  const { files } = await transpile(component, {
    name: GLUE_NAME,
    instantiation: "async",
    asyncMode: "jspi",
    asyncImports: HOST_IMPORTS,
    asyncExports: worldExports(descriptor.witSource, descriptor.world),
  } as Parameters<typeof transpile>[1]);
  // The glue looks its core modules up by name: they must be the ones the prepared folder holds.
  const wasm = (names: string[]) => names.filter((n) => /^[^/]+\.core\d*\.wasm$/.test(n)).sort().join(",");
  if (wasm(Object.keys(files)) !== wasm(readdirSync(dir))) throw new Error(`jspi-glue: jco's JSPI transpile of ${descriptor.language.name} names other core modules than ${dir}`);
  const glue = files[`${GLUE_NAME}.js`];
  if (!glue) throw new Error("jspi-glue: jco wrote no glue");
  const staging = `${path}.${process.pid}.${Date.now()}`;
  writeFileSync(staging, glue);
  renameSync(staging, path);
  return path;
}
