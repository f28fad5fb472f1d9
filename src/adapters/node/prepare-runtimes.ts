/** `npm run prepare:runtimes`: builds the component runtimes into KILN_CACHE_DIR (Deno and Bun load them from there). */
import { componentRuntimes } from "../../../languages/index.ts";
import { loadConfig } from "../../config.ts";
import { prepareComponentRuntime } from "./prepare-component-runtime.ts";

const config = loadConfig(process.env);
for (const descriptor of componentRuntimes) {
  const runtime = await prepareComponentRuntime(descriptor, { cacheDir: config.cacheDir });
  console.log(`prepared ${runtime.language.name} in ${config.cacheDir}`);
}
