import { build } from "esbuild";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { JAVASCRIPT_LIBRARIES } from "../../../languages/javascript/libraries.ts";

const LIBRARIES_FILE = fileURLToPath(new URL("../../../languages/javascript/libraries.generated.js", import.meta.url));
const URL_FILE = fileURLToPath(new URL("../../engine/quickjs/guest-url.generated.js", import.meta.url));

/** A name an `export { x as name }` may use without quotes. */
const EXPORT_NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * Bundles what the QuickJS guest gets from npm, at prepare time (`npm ci`'s postinstall): the curated
 * libraries (languages/javascript/libraries.ts), each one self-contained ES module, and core-js's URL
 * and URLSearchParams for the guest's Web APIs. Each is written as a JavaScript module of strings, so
 * every adapter imports it the same way. A file is rewritten only when its content changes.
 */
export async function bundleGuestModules(): Promise<void> {
  const libraries: Record<string, string> = {};
  for (const library of JAVASCRIPT_LIBRARIES) {
    const installed = (JSON.parse(readFileSync(new URL(`../../../node_modules/${library.name}/package.json`, import.meta.url), "utf8")) as { version: string }).version;
    if (installed !== library.version) throw new Error(`${library.name}: ${installed} is installed, languages/javascript/libraries.ts pins ${library.version}`);
    try {
      libraries[library.name] = await bundleLibrary(library.name);
    } catch (e) {
      throw new Error(`bundling ${library.name} for the guest failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  writeIfChanged(LIBRARIES_FILE, `export default ${JSON.stringify(libraries)};\n`);
  writeIfChanged(URL_FILE, `export default ${JSON.stringify(await bundleUrl())};\n`);
}

/**
 * One library as an ES module: its default export (the module itself where it has none), and each of
 * its names as a named export, CommonJS ones too (`import { chunk } from "lodash"`): the names are
 * read from the package as Node loads it.
 */
async function bundleLibrary(name: string): Promise<string> {
  const ns = (await import(name)) as Record<string, unknown>;
  const base = ns.default;
  const names = new Set(Object.keys(ns).filter((k) => k !== "default" && k !== "module.exports"));
  if (base !== null && (typeof base === "object" || typeof base === "function")) for (const k of Object.keys(base)) names.add(k);
  const exported = [...names].filter((k) => k !== "default" && EXPORT_NAME.test(k)).sort();
  const entry = [
    `import * as ns from ${JSON.stringify(name)};`,
    `const base = "default" in ns ? ns.default : ns;`,
    `const pick = (k) => (k in ns ? ns[k] : base[k]);`,
    `export default base;`,
    ...exported.map((k, i) => `const e${i} = pick(${JSON.stringify(k)}); export { e${i} as ${k} };`),
  ].join("\n");
  return bundle(entry, "esm");
}

/** core-js's WHATWG URL and URLSearchParams (the pure build: it touches no global), as one expression the guest evaluates. */
async function bundleUrl(): Promise<string> {
  const entry = `import URL from "core-js-pure/stable/url/index.js";
import URLSearchParams from "core-js-pure/stable/url-search-params/index.js";
export { URL, URLSearchParams };`;
  const code = await bundle(entry, "cjs");
  return `(function () { var module = { exports: {} }, exports = module.exports;\n${code}\nreturn module.exports; })()`;
}

async function bundle(entry: string, format: "esm" | "cjs"): Promise<string> {
  const result = await build({
    stdin: { contents: entry, resolveDir: fileURLToPath(new URL("../../../", import.meta.url)), loader: "js" },
    bundle: true,
    write: false,
    format,
    platform: "browser",
    target: "es2022",
    // Smaller source parses faster: a fresh run that imports a library pays for its parse.
    minify: true,
    legalComments: "none",
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

function writeIfChanged(file: string, content: string): void {
  if (existsSync(file) && readFileSync(file, "utf8") === content) return;
  writeFileSync(file, content);
}
