import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { GLUE_NAME, type PreparedFolder } from "../../engine/component/prepared-runtime.ts";

/** A prepared folder on disk (node:fs, which Deno and Bun provide too). */
export function preparedFolder(dir: string): PreparedFolder {
  return {
    list: async () => readdirSync(dir),
    read: async (file) => new Uint8Array(readFileSync(join(dir, file))),
    importGlue: () => import(pathToFileURL(join(dir, `${GLUE_NAME}.js`)).href),
  };
}
