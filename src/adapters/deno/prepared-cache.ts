import { GLUE_NAME } from "../../engine/component/prepared-runtime.ts";
import type { PreparedCache } from "../../prepared-component-engine.ts";

declare const Deno: {
  readFile(path: string | URL): Promise<Uint8Array<ArrayBuffer>>;
  readDir(path: string): AsyncIterable<{ name: string }>;
  realPath(path: string): Promise<string>;
};

/** The cache of prepared component runtimes in `cacheDir` (relative to the working directory), read with Deno's file API. */
export function denoPreparedCache(cacheDir: string): PreparedCache {
  return {
    readArtifact: (url) => Deno.readFile(url),
    async folder(name) {
      let dir: string;
      try {
        dir = await Deno.realPath(`${cacheDir}/${name}`);
      } catch {
        return undefined; // not prepared
      }
      const glue = new URL("file:///");
      glue.pathname = `${dir}/${GLUE_NAME}.js`;
      return {
        async list() {
          const names: string[] = [];
          for await (const entry of Deno.readDir(dir)) names.push(entry.name);
          return names.sort();
        },
        read: (file) => Deno.readFile(`${dir}/${file}`),
        importGlue: () => import(glue.href),
      };
    },
  };
}
