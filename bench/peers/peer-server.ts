/**
 * One HTTP server `npm run bench:peers` measures, started in its own process:
 * `node --import tsx bench/peers/peer-server.ts <kind>`; prints `{"port":N}` once it listens.
 * Every server takes Kiln's request shape (`{ language, code, input }`) and answers `{ ok, result }`.
 *
 * - `bare`: Hono on @hono/node-server parsing the body and answering a constant (the ceiling);
 * - `naive`: a fresh quickjs-emscripten runtime + context per request, one thread, the library's defaults;
 * - `ivm-one`: isolated-vm, a fresh isolate per request (128 MiB cap), one thread;
 * - `ivm-workers`: the same in 2 worker threads (ivm-worker.mjs), requests dealt round robin;
 * - `sebastian`: @sebastianwessel/quickjs, `runSandboxed` per request.
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { Worker } from "node:worker_threads";
import type { AddressInfo } from "node:net";
import { asScript, asModule } from "./peer-script.ts";
import { peer } from "./peer-modules.ts";

type Body = { code: string; input?: unknown };
type Runner = (body: Body) => Promise<unknown> | unknown;

async function runner(kind: string): Promise<Runner> {
  switch (kind) {
    case "bare":
      return () => 2;
    case "naive": {
      const { getQuickJS } = await peer("quickjs-emscripten");
      const QuickJS = await getQuickJS();
      return ({ code, input }) => {
        const runtime = QuickJS.newRuntime();
        const context = runtime.newContext();
        try {
          const result = context.unwrapResult(context.evalCode(asScript(code, input)));
          const text = context.getString(result);
          result.dispose();
          return JSON.parse(text);
        } finally {
          context.dispose();
          runtime.dispose();
        }
      };
    }
    case "ivm-one": {
      const ivm = (await peer("isolated-vm")).default;
      return async ({ code, input }) => {
        const isolate = new ivm.Isolate({ memoryLimit: 128 });
        try {
          const context = await isolate.createContext();
          const script = await isolate.compileScript(asScript(code, input));
          return JSON.parse(await script.run(context, { timeout: 5000 }));
        } finally {
          isolate.dispose();
        }
      };
    }
    case "ivm-workers": {
      const workers = Array.from({ length: 2 }, () => new Worker(new URL("./ivm-worker.mjs", import.meta.url)));
      const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
      for (const w of workers)
        w.on("message", ({ id, result, error }) => {
          const p = pending.get(id)!;
          pending.delete(id);
          if (error) p.reject(new Error(error));
          else p.resolve(result);
        });
      let next = 0;
      return ({ code, input }) =>
        new Promise((resolve, reject) => {
          const id = next++;
          pending.set(id, { resolve, reject });
          workers[id % workers.length]!.postMessage({ id, script: asScript(code, input) });
        });
    }
    case "sebastian": {
      const { loadQuickJs } = await peer("@sebastianwessel/quickjs");
      const { runSandboxed } = await loadQuickJs((await peer("@jitl/quickjs-wasmfile-release-sync")).default);
      return async ({ code, input }) => {
        const out = await runSandboxed(async ({ evalCode }: { evalCode: (c: string) => Promise<{ ok: boolean; data?: unknown; error?: unknown }> }) => evalCode(asModule(code, input)), { executionTimeout: 5000 });
        if (!out.ok) throw new Error(JSON.stringify(out.error));
        return out.data;
      };
    }
    default:
      throw new Error(`unknown server ${kind}`);
  }
}

const run = await runner(process.argv[2] ?? "");
const app = new Hono();
app.post("/v1/run", async (c) => {
  const body = (await c.req.json()) as Body;
  try {
    return c.json({ ok: true, result: await run(body) });
  } catch (e) {
    return c.json({ ok: false, error: String(e) }, 500);
  }
});
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
server.once("listening", () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
