import { GLUE_NAME } from "../../engine/component/prepared-runtime.ts";
import type { WritablePreparedCache } from "../../engine/component/caller-component-preparer.ts";
import type { PreparedCache } from "../../prepared-component-engine.ts";

declare const Deno: {
  pid: number;
  readFile(path: string | URL): Promise<Uint8Array<ArrayBuffer>>;
  readDir(path: string): AsyncIterable<{ name: string }>;
  realPath(path: string): Promise<string>;
  mkdir(path: string, options: { recursive: boolean }): Promise<void>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string, options: { recursive: boolean }): Promise<void>;
};

/**
 * The cache of prepared component runtimes in `cacheDir` (relative to the working directory), read with
 * Deno's file API; callers' components are written into it (staged, then renamed into place).
 */
export function denoPreparedCache(cacheDir: string): PreparedCache & WritablePreparedCache {
  return {
    async write(name, files) {
      const staging = `${cacheDir}/${name}.${Deno.pid}.${Date.now()}`;
      for (const [file, content] of Object.entries(files)) {
        const path = `${staging}/${file}`;
        await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
        await Deno.writeFile(path, typeof content === "string" ? new TextEncoder().encode(content) : content);
      }
      try {
        await Deno.rename(staging, `${cacheDir}/${name}`);
      } catch {
        await Deno.remove(staging, { recursive: true }); // another process got there first
      }
    },
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
