/** `npm run prepare:runtimes`: builds the component runtimes into KILN_CACHE_DIR (Deno and Bun load them from there). */
import { luaRuntime } from "../../../runtimes/lua.ts";
import { loadConfig } from "../../config.ts";
import { prepareComponentRuntime } from "./prepare-component-runtime.ts";

const config = loadConfig(process.env);
const lua = await prepareComponentRuntime(luaRuntime, { cacheDir: config.cacheDir });
console.log(`prepared ${lua.language.name} in ${config.cacheDir}`);
