/**
 * The component runtimes (Lua, Ruby, Python) in the Worker's bundle, for build.ts. They are taken from
 * the cache of prepared runtimes (KILN_CACHE_DIR, filled by `npm run prepare:runtimes`, which `npm ci`
 * runs): jco's glue is bundled as code, every core module becomes a wasm module of the Worker, the
 * metered main module once per memory variant (its declared maximum patched, see patch-memory-max.ts),
 * and mounted files (Python's standard library zip) data modules. Each staged file gets a name of its
 * own (`lua.runtime.core2.wasm`), as module names are flat in workerd. The glue is jco's JSPI glue
 * (jspi-glue.ts), so that components' `kv` calls suspend the guest instead of blocking a thread.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Plugin } from "esbuild";
import { componentRuntimes } from "../../../languages/index.ts";
import { GLUE_NAME, MAIN_FILE, METERED_FILE, MOUNT_PREFIX, preparedFolderName } from "../../engine/component/prepared-runtime.ts";
import type { ComponentRuntimeDescriptor } from "../../engine/component/runtime-descriptor.ts";
import { patchMemoryMax } from "../../engine/wasm/patch-memory-max.ts";
import { memoryPages } from "../../limits/memory.ts";
import { jspiGlue } from "./jspi-glue.ts";

/** What the Worker carries, chosen at build time. */
export interface WorkerComponentOptions {
  /** The component languages bundled (KILN_WORKER_LANGUAGES, comma-separated; `none` for JavaScript and TypeScript only). */
  languages: string[];
  /** The memory variants, in MiB (KILN_WORKER_MEMORY_MB, comma-separated). */
  memoryMb: number[];
}

/** The default: Lua and Python, each main module at a 128 MiB maximum, Cloudflare's memory limit per isolate. */
export const DEFAULT_WORKER_COMPONENTS: WorkerComponentOptions = { languages: ["lua", "python"], memoryMb: [128] };

/** Reads KILN_WORKER_LANGUAGES and KILN_WORKER_MEMORY_MB; throws on a language or size it cannot build. */
export function workerComponentOptions(env: Record<string, string | undefined>): WorkerComponentOptions {
  const list = (value: string | undefined) => (value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const languages = env.KILN_WORKER_LANGUAGES === undefined ? DEFAULT_WORKER_COMPONENTS.languages : list(env.KILN_WORKER_LANGUAGES).filter((l) => l !== "none");
  const known = componentRuntimes.map((d) => d.language.name);
  for (const l of languages) if (!known.includes(l)) throw new Error(`KILN_WORKER_LANGUAGES: ${l} is not a component language (${known.join(", ")})`);
  const memoryMb = env.KILN_WORKER_MEMORY_MB === undefined ? DEFAULT_WORKER_COMPONENTS.memoryMb : list(env.KILN_WORKER_MEMORY_MB).map(Number);
  for (const mb of memoryMb) if (!Number.isInteger(mb) || mb < 1 || mb > 4096) throw new Error(`KILN_WORKER_MEMORY_MB: ${mb} is not a size in MiB from 1 to 4096`);
  if (languages.length && !memoryMb.length) throw new Error("KILN_WORKER_MEMORY_MB names no size");
  return { languages, memoryMb: [...new Set(memoryMb)].sort((a, b) => a - b) };
}

/** The prepared folder of each language, preparing them (`npm run prepare:runtimes`, on Node) when one is missing. */
async function preparedFolders(descriptors: ComponentRuntimeDescriptor[], cacheDir: string, root: string): Promise<string[]> {
  const dirs = async () => Promise.all(descriptors.map(async (d) => join(cacheDir, await preparedFolderName(d, readFileSync(d.artifact)))));
  let found = await dirs();
  if (found.some((dir) => !existsSync(join(dir, `${METERED_FILE}.wasm`)))) {
    execFileSync(process.execPath, ["--import", "tsx", "src/adapters/node/prepare-runtimes.ts"], { cwd: root, stdio: "inherit", env: { ...process.env, KILN_CACHE_DIR: cacheDir } });
    found = await dirs();
  }
  return found;
}

/**
 * Stages the chosen runtimes' files in `stageDir` and returns the esbuild plugin that resolves
 * `kiln:component-runtimes` to a module listing them (see bundled-component-runtime.ts).
 */
export async function componentRuntimesPlugin(options: WorkerComponentOptions & { cacheDir: string; stageDir: string; root: string }): Promise<Plugin> {
  rmSync(options.stageDir, { recursive: true, force: true });
  mkdirSync(options.stageDir, { recursive: true });
  const descriptors = options.languages.map((name) => componentRuntimes.find((d) => d.language.name === name)!);
  const folders = await preparedFolders(descriptors, options.cacheDir, options.root);
  const lines = [`import { componentRuntimes } from ${JSON.stringify(join(options.root, "languages/index.ts"))};`];
  const entries: string[] = [];
  const glues = await Promise.all(descriptors.map((descriptor, i) => jspiGlue(descriptor, folders[i]!)));
  descriptors.forEach((descriptor, i) => {
    const name = descriptor.language.name;
    const dir = folders[i]!;
    const files = readdirSync(dir);
    const main = files.includes(MAIN_FILE) ? readFileSync(join(dir, MAIN_FILE), "utf8").trim() : `${GLUE_NAME}.core.wasm`;
    let n = 0;
    const stage = (file: string, bytes?: Uint8Array) => {
      const id = `m${i}_${n++}`;
      const staged = join(options.stageDir, `${name}.${file}`);
      if (bytes) writeFileSync(staged, bytes);
      else copyFileSync(join(dir, file), staged);
      lines.push(`import ${id} from ${JSON.stringify(staged)};`);
      return id;
    };
    const modules = files.filter((f) => f.endsWith(".wasm") && !f.startsWith(MOUNT_PREFIX) && f !== main && f !== `${METERED_FILE}.wasm`).map((f) => `${JSON.stringify(f)}: ${stage(f)}`);
    const metered = readFileSync(join(dir, `${METERED_FILE}.wasm`));
    const variants = options.memoryMb.map((mb) => `${mb}: ${stage(`${METERED_FILE}.${mb}.wasm`, patchMemoryMax(metered, memoryPages(mb)))}`);
    // Mounted files are stored decompressed in the prepared folder; the Worker's upload is compressed as a whole.
    const mounts = (descriptor.mounts ?? []).map((m) => `${JSON.stringify(m.file)}: ${stage(`${MOUNT_PREFIX}${m.file}`)}`);
    const glue = `g${i}`;
    lines.push(`import { instantiate as ${glue} } from ${JSON.stringify(glues[i]!)};`);
    entries.push(
      `{ descriptor: componentRuntimes.find((d) => d.language.name === ${JSON.stringify(name)}), instantiate: ${glue}, mainModuleName: ${JSON.stringify(main)}, modules: { ${modules.join(", ")} }, variants: { ${variants.join(", ")} }, mounts: { ${mounts.join(", ")} } }`,
    );
  });
  const source = `${lines.join("\n")}\nexport default [\n  ${entries.join(",\n  ")}\n];\n`;
  return {
    name: "kiln-component-runtimes",
    setup(b) {
      b.onResolve({ filter: /^kiln:component-runtimes$/ }, () => ({ path: "component-runtimes", namespace: "kiln-component-runtimes" }));
      b.onLoad({ filter: /.*/, namespace: "kiln-component-runtimes" }, () => ({ contents: source, loader: "js", resolveDir: options.root }));
    },
  };
}

