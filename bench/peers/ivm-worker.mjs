// A worker thread of the `ivm-workers` peer server (peer-server.ts): a fresh isolate per script.
import { parentPort } from "node:worker_threads";
import { createRequire } from "node:module";

const require = createRequire(new URL("../../.cache/peers/package.json", import.meta.url));
const ivm = require("isolated-vm");

parentPort.on("message", async ({ id, script }) => {
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  try {
    const context = await isolate.createContext();
    const compiled = await isolate.compileScript(script);
    parentPort.postMessage({ id, result: JSON.parse(await compiled.run(context, { timeout: 5000 })) });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e) });
  } finally {
    isolate.dispose();
  }
});
