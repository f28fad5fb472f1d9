/**
 * `npm run build:worker`: bundles the Worker with esbuild into dist/workerd/ (worker.js, the QuickJS
 * and esbuild wasm as separate modules, the component runtimes chosen by KILN_WORKER_LANGUAGES and
 * KILN_WORKER_MEMORY_MB as wasm and data modules (bundle-component-runtimes.ts), and config.capnp for
 * `workerd serve`). It fails when the Worker is larger than Cloudflare's Worker size limit (worker-size.ts).
 */
import { build } from "esbuild";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { esbuildWasm } from "../../../languages/typescript/esbuild-wasm.ts";
import { quickjsRuntime } from "../../engine/quickjs/quickjs-artifact.ts";
import { loadConfig } from "../../config.ts";
import { PLAYGROUND_FILES } from "../../http/playground-page.ts";
import { componentRuntimesPlugin, workerComponentOptions } from "./bundle-component-runtimes.ts";
import { workerSize, WORKER_SIZE_LIMIT } from "./worker-size.ts";

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL("../../../", import.meta.url));
// KILN_WORKER_OUT: another folder than dist/workerd/ (tests and the bench build their own).
const outdir = join(resolve(root, process.env.KILN_WORKER_OUT || "dist/workerd"), "/");
mkdirSync(outdir, { recursive: true });
const components = workerComponentOptions(process.env);
const componentsPlugin = await componentRuntimesPlugin({ ...components, cacheDir: resolve(root, loadConfig(process.env).cacheDir), stageDir: `${outdir.slice(0, -1)}.stage`, root });

/**
 * What the app's `import("esbuild")` (src/quickjs-defaults.ts) becomes in the Worker: esbuild-wasm run
 * in the isolate, initialised on the first TypeScript run. workerd cannot start esbuild's binary nor
 * compile wasm from bytes, so the wasm is imported as a module.
 */
const ESBUILD_IN_WORKER = `
import wasmModule from "kiln:esbuild-wasm";
import { initialize, transform as wasmTransform } from "esbuild-wasm/esm/browser.js";
let ready;
export async function transform(input, options) {
  await (ready ??= initialize({ wasmModule, worker: false }));
  return wasmTransform(input, options);
}
`;

/** `kiln:docs-assets`: Swagger UI's script and stylesheet from swagger-ui-dist, as text in the bundle, for `GET /docs`. */
function docsAssetsModule(): string {
  const dir = dirname(require.resolve("swagger-ui-dist/package.json"));
  const read = (name: string) => readFileSync(join(dir, name), "utf8");
  return `export default ${JSON.stringify({ script: read("swagger-ui-bundle.js"), stylesheet: read("swagger-ui.css") })};`;
}

/** `kiln:playground-assets`: the playground's bundle, as `npm ci` (prepare-runtimes.ts) wrote it into KILN_CACHE_DIR, as text in the Worker, for `GET /`. */
function playgroundAssetsModule(): string {
  const cacheDir = resolve(root, loadConfig(process.env).cacheDir);
  const read = (file: string) => {
    try {
      return readFileSync(join(cacheDir, file), "utf8");
    } catch {
      throw new Error(`no playground bundle at ${join(cacheDir, file)}: run \`npm run prepare:runtimes\` first`);
    }
  };
  return `export default ${JSON.stringify({ script: read(PLAYGROUND_FILES.script), stylesheet: read(PLAYGROUND_FILES.stylesheet) })};`;
}

/** What a package only the build-time passes use becomes in the Worker: a module that refuses to load. */
const BUILD_TIME_ONLY = `throw new Error("binaryen is for preparing runtimes on Node; the Worker serves none");`;

const result = await build({
  entryPoints: [fileURLToPath(new URL("./worker.ts", import.meta.url))],
  outfile: `${outdir}worker.js`,
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  conditions: ["workerd", "worker", "browser"],
  // pino (server-log.ts) has a browser build for the console, named by its package.json "browser" field.
  mainFields: ["browser", "module", "main"],
  loader: { ".wasm": "copy", ".zip": "copy" },
  assetNames: "[name]",
  logLevel: "warning",
  // jco's glue imports node:fs only on Node (to fetch modules Kiln hands it already compiled).
  external: ["cloudflare:*", "node:*"],
  // workerd gives a module no file URL, but the language list names each language's artifacts relative
  // to its folder (`new URL("./lua.wasm", import.meta.url)`). The Worker never reads them: any absolute
  // URL lets the list load.
  define: { "import.meta.url": JSON.stringify("file:///worker.js") },
  metafile: true,
  plugins: [
    componentsPlugin,
    {
      name: "kiln-runtime-artifacts",
      setup(b) {
        b.onResolve({ filter: /^kiln:quickjs-wasm$/ }, () => ({ path: require.resolve(quickjsRuntime.artifact) }));
        b.onResolve({ filter: /^kiln:esbuild-wasm$/ }, () => ({ path: require.resolve(esbuildWasm.specifier) }));
        b.onResolve({ filter: /^esbuild$/ }, () => ({ path: "esbuild", namespace: "kiln-esbuild-wasm" }));
        b.onLoad({ filter: /.*/, namespace: "kiln-esbuild-wasm" }, () => ({ contents: ESBUILD_IN_WORKER, loader: "js", resolveDir: root }));
        b.onResolve({ filter: /^kiln:docs-assets$/ }, () => ({ path: "docs-assets", namespace: "kiln-docs-assets" }));
        b.onLoad({ filter: /.*/, namespace: "kiln-docs-assets" }, () => ({ contents: docsAssetsModule(), loader: "js" }));
        b.onResolve({ filter: /^kiln:playground-assets$/ }, () => ({ path: "playground-assets", namespace: "kiln-playground-assets" }));
        b.onLoad({ filter: /.*/, namespace: "kiln-playground-assets" }, () => ({ contents: playgroundAssetsModule(), loader: "js" }));
        // The language list reaches build-time passes (languages/ruby/prepare-core.ts loads binaryen when a
        // Node server prepares Ruby); the Worker serves no component runtime, so binaryen is left out.
        b.onResolve({ filter: /^binaryen$/ }, () => ({ path: "binaryen", namespace: "kiln-build-time-only" }));
        b.onLoad({ filter: /.*/, namespace: "kiln-build-time-only" }, () => ({ contents: BUILD_TIME_ONLY, loader: "js" }));
      },
    },
  ],
});

// Every wasm or data file the bundle imports must be a module of the Worker: add those config.capnp does not list.
const assetFiles = Object.keys(result.metafile.outputs).filter((path) => path.endsWith(".wasm") || path.endsWith(".zip")).map((path) => basename(path));
const config = readFileSync(fileURLToPath(new URL("./config.capnp", import.meta.url)), "utf8");
const missing = assetFiles.filter((name) => !config.includes(`embed "${name}"`));
const withModules = config.replace(/(\n([ \t]*)modules = \[[\s\S]*?)(\n[ \t]*\],)/, (_, list: string, indent: string, end: string) =>
  `${list}${missing.map((name) => `\n${indent}  (name = "${name}", ${name.endsWith(".wasm") ? "wasm" : "data"} = embed "${name}"),`).join("")}${end}`,
);
if (missing.length && withModules === config) throw new Error("config.capnp has no `modules = [ … ],` list to add the wasm modules to");
writeFileSync(`${outdir}config.capnp`, withModules);
const size = workerSize(outdir, ["worker.js", ...assetFiles]);
// What the bench reports (bench/worker-bundle.ts), written before the limit is checked so an oversized build is measured too.
writeFileSync(`${outdir}size.json`, JSON.stringify({ ...components, limit: WORKER_SIZE_LIMIT, ...size }, null, 2));
console.log(`built ${outdir} (${components.languages.join(", ") || "no component languages"}; ${(size.gzip / 1e6).toFixed(2)} MB compressed, ${(size.raw / 1e6).toFixed(2)} MB raw)`);
// KILN_WORKER_SIZE_CHECK=off: a Worker for self-hosted workerd only, which has no size limit.
if (size.raw > WORKER_SIZE_LIMIT && process.env.KILN_WORKER_SIZE_CHECK !== "off") {
  throw new Error(`the Worker is ${size.raw} bytes, over Cloudflare's ${WORKER_SIZE_LIMIT}: bundle fewer languages (KILN_WORKER_LANGUAGES) or memory variants (KILN_WORKER_MEMORY_MB), or set KILN_WORKER_SIZE_CHECK=off for self-hosted workerd`);
}
