/** Kiln on Deno: `deno run --allow-net --allow-read --allow-env src/adapters/deno/main.ts`. */
import { defaultRuntimes } from "../../default-engines.ts";
import { createInProcessApp } from "../../in-process-app.ts";
import { serverLog } from "../../server-log.ts";

declare const Deno: {
  env: { toObject(): Record<string, string> };
  readFile(path: URL): Promise<Uint8Array<ArrayBuffer>>;
  serve(options: { port: number; hostname: string; onListen?: (addr: { hostname: string; port: number }) => void }, handler: (req: Request) => Response | Promise<Response>): unknown;
};

const wasm = await Deno.readFile(new URL(import.meta.resolve(defaultRuntimes.quickjs.artifact)));
const { app, port, host } = await createInProcessApp({ wasmModule: new WebAssembly.Module(wasm), env: Deno.env.toObject() });
Deno.serve({ port, hostname: host, onListen: (addr) => serverLog("info", "listening", { url: `http://${addr.hostname}:${addr.port}` }) }, app.fetch);
