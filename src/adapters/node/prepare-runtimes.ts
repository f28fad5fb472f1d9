/**
 * `npm run prepare:runtimes`: bundles the QuickJS guest's npm modules (its libraries and URL, see
 * bundle-guest-modules.ts) and the playground (bundle-playground.ts), and builds the component runtimes into KILN_CACHE_DIR (Deno and Bun load them from there).
 */
import { componentRuntimes } from "../../../languages/index.ts";
import { loadConfig } from "../../config.ts";
import { prepareComponentRuntime } from "./prepare-component-runtime.ts";
import { bundleGuestModules } from "./bundle-guest-modules.ts";
import { writePlayground } from "./bundle-playground.ts";

await bundleGuestModules();
console.log("bundled the JavaScript guest's libraries");

const config = loadConfig(process.env);
await writePlayground(config.cacheDir);
console.log(`bundled the playground into ${config.cacheDir}`);
for (const descriptor of componentRuntimes) {
  const runtime = await prepareComponentRuntime(descriptor, { cacheDir: config.cacheDir });
  console.log(`prepared ${runtime.language.name} in ${config.cacheDir}`);
}
