import type { LanguageLibrary } from "../../src/engine/engine.ts";

/**
 * The npm libraries a JavaScript (and TypeScript) guest may import by bare name (`import _ from
 * "lodash"`), each pinned in package.json to exactly this version. `npm ci`'s postinstall (`npm run
 * prepare:runtimes`, src/adapters/node/bundle-guest-modules.ts) bundles each one with esbuild into one
 * self-contained ES module, browser build, no Node built-ins, into libraries.generated.js; the QuickJS
 * module loader serves them from memory. The README's "Libraries" section says which were left out and why.
 */
export const JAVASCRIPT_LIBRARIES: readonly LanguageLibrary[] = [
  { name: "lodash", version: "4.18.1" },
  { name: "ramda", version: "0.32.0" },
  { name: "date-fns", version: "4.4.0" },
  { name: "dayjs", version: "1.11.23" },
  { name: "ms", version: "2.1.3" },
  { name: "zod", version: "4.6.7" },
  { name: "ajv", version: "8.20.0" },
  { name: "validator", version: "13.15.35" },
  { name: "uuid", version: "14.0.3" },
  { name: "nanoid", version: "5.1.16" },
  { name: "yaml", version: "2.9.1" },
  { name: "fast-xml-parser", version: "5.12.1" },
  { name: "papaparse", version: "5.7.1" },
  { name: "qs", version: "6.17.1" },
  { name: "jsonpath-plus", version: "10.4.0" },
  { name: "marked", version: "18.2.1" },
  { name: "mustache", version: "4.2.0" },
  { name: "decimal.js", version: "10.6.0" },
  { name: "big.js", version: "7.0.1" },
  { name: "semver", version: "7.8.6" },
  { name: "immer", version: "11.2.13" },
];

/**
 * The bundled libraries' source, by name (ES modules, each self-contained), read from the file the
 * prepare step wrote. It is imported, not read from disk, so every adapter gets it the same way (the
 * Worker's build bundles it in).
 */
export async function loadJavaScriptLibraries(): Promise<Readonly<Record<string, string>>> {
  try {
    return (await import("./libraries.generated.js")).default;
  } catch (e) {
    throw new Error(`the JavaScript libraries are not bundled (run \`npm run prepare:runtimes\`): ${e instanceof Error ? e.message : String(e)}`);
  }
}
