import { pythonRuntime } from "./runtimes/python.ts";
import { prepareComponentRuntime } from "./src/adapters/node/prepare-component-runtime.ts";
import { ThreadBlockingHost } from "./src/adapters/node/thread-blocking-host.ts";
import { ComponentEngine } from "./src/engine/component/component-engine.ts";
import { loadConfig } from "./src/config.ts";
import { resolveLimits } from "./src/limits/run-limits.ts";
const d = { ...pythonRuntime, artifact: new URL("file:///tmp/py/keepA/python.wasm"), mounts: [{ path: "/kiln", file: "python311.zip", artifact: new URL("file:///tmp/py/keepA/python311.zip") }] };
const cfg = loadConfig({});
const job = (code: string, grants: any, input: any = null) => ({ language: "python", code, inputJson: JSON.stringify(input), limits: resolveLimits(undefined, cfg), host: { grants, limits: cfg.hostLimits } });
let t = Date.now();
const e = new ComponentEngine([await prepareComponentRuntime(d, { cacheDir: "/tmp/pycache" })], { blocking: new ThreadBlockingHost({ kvPath: ":memory:" }) });
console.log("prepare", Date.now() - t);
for (const code of process.argv.slice(2)) {
  t = Date.now();
  const o = await e.run(job(code, { kv: { namespace: "x" }, secrets: {} }, { n: 21 }));
  console.log(Date.now() - t, "ms", JSON.stringify(o).slice(0, 700));
}
e.dispose();
