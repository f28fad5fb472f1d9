/**
 * `npm run build:worker`: bundles the Worker with esbuild into dist/workerd/ (worker.js, the QuickJS
 * wasm as a separate module, and config.capnp for `workerd serve`).
 */
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { quickjsRuntime } from "../../../runtimes/quickjs.ts";

const require = createRequire(import.meta.url);
const outdir = fileURLToPath(new URL("../../../dist/workerd/", import.meta.url));
mkdirSync(outdir, { recursive: true });

await build({
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
  plugins: [
    {
      name: "kiln-runtime-artifacts",
      setup(b) {
        b.onResolve({ filter: /^kiln:quickjs-wasm$/ }, () => ({ path: require.resolve(quickjsRuntime.artifact) }));
      },
    },
  ],
});
copyFileSync(fileURLToPath(new URL("./config.capnp", import.meta.url)), `${outdir}config.capnp`);
console.log(`built ${outdir}`);
