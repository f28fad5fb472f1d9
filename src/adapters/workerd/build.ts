/**
 * `npm run build:worker`: bundles the Worker with esbuild into dist/workerd/ (worker.js, the QuickJS
 * and esbuild wasm as separate modules, and config.capnp for `workerd serve`).
 */
import { build } from "esbuild";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { esbuildWasm } from "../../../languages/typescript/esbuild-wasm.ts";
import { quickjsRuntime } from "../../engine/quickjs/quickjs-artifact.ts";

const require = createRequire(import.meta.url);
const outdir = fileURLToPath(new URL("../../../dist/workerd/", import.meta.url));
mkdirSync(outdir, { recursive: true });

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
  mainFields: ["module", "main"],
  loader: { ".wasm": "copy" },
  assetNames: "[name]",
  logLevel: "warning",
  external: ["cloudflare:*"],
  // workerd gives a module no file URL, but the language list names each language's artifacts relative
  // to its folder (`new URL("./lua.wasm", import.meta.url)`). The Worker never reads them: any absolute
  // URL lets the list load.
  define: { "import.meta.url": JSON.stringify("file:///worker.js") },
  metafile: true,
  plugins: [
    {
      name: "kiln-runtime-artifacts",
      setup(b) {
        b.onResolve({ filter: /^kiln:quickjs-wasm$/ }, () => ({ path: require.resolve(quickjsRuntime.artifact) }));
        b.onResolve({ filter: /^kiln:esbuild-wasm$/ }, () => ({ path: require.resolve(esbuildWasm.specifier) }));
        b.onResolve({ filter: /^esbuild$/ }, () => ({ path: "esbuild", namespace: "kiln-esbuild-wasm" }));
        b.onLoad({ filter: /.*/, namespace: "kiln-esbuild-wasm" }, () => ({ contents: ESBUILD_IN_WORKER, loader: "js", resolveDir: outdir }));
        b.onResolve({ filter: /^kiln:docs-assets$/ }, () => ({ path: "docs-assets", namespace: "kiln-docs-assets" }));
        b.onLoad({ filter: /.*/, namespace: "kiln-docs-assets" }, () => ({ contents: docsAssetsModule(), loader: "js" }));
        // The language list reaches build-time passes (languages/ruby/prepare-core.ts loads binaryen when a
        // Node server prepares Ruby); the Worker serves no component runtime, so binaryen is left out.
        b.onResolve({ filter: /^binaryen$/ }, () => ({ path: "binaryen", namespace: "kiln-build-time-only" }));
        b.onLoad({ filter: /.*/, namespace: "kiln-build-time-only" }, () => ({ contents: BUILD_TIME_ONLY, loader: "js" }));
      },
    },
  ],
});

// Every wasm file the bundle imports must be a module of the Worker: add those config.capnp does not list.
const wasmFiles = Object.keys(result.metafile.outputs).filter((path) => path.endsWith(".wasm")).map((path) => basename(path));
const config = readFileSync(fileURLToPath(new URL("./config.capnp", import.meta.url)), "utf8");
const missing = wasmFiles.filter((name) => !config.includes(`embed "${name}"`));
const withModules = config.replace(/(\n([ \t]*)modules = \[[\s\S]*?)(\n[ \t]*\],)/, (_, list: string, indent: string, end: string) =>
  `${list}${missing.map((name) => `\n${indent}  (name = "${name}", wasm = embed "${name}"),`).join("")}${end}`,
);
if (missing.length && withModules === config) throw new Error("config.capnp has no `modules = [ … ],` list to add the wasm modules to");
writeFileSync(`${outdir}config.capnp`, withModules);
console.log(`built ${outdir}`);
