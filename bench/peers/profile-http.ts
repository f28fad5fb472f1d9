/**
 * A CPU profile of Kiln's HTTP path without the network or the worker hop: `POST /v1/run` with the tiny
 * script through the app's own fetch, in process, `n` times (default 3000). Run with
 * `node --cpu-prof --cpu-prof-dir=<dir> --import tsx bench/peers/profile-http.ts [n]`; the self-time
 * proportions show what a request costs around the sandbox (auth, limits, platform lookups, JSON).
 */
import { createApp } from "../../src/app.ts";
import { createPlatform, devBootstrap } from "../../src/platform/create-platform.ts";
import { MemoryPlatformStore } from "../../src/platform/memory-platform-store.ts";
import { createQuickJSEngine } from "../../src/quickjs-defaults.ts";
import { config, quickjsSnapshotModule, quickjsWasm } from "./kiln-in-process.ts";

const n = Number(process.argv[2] ?? 3000);
const engine = createQuickJSEngine(await quickjsWasm(), { snapshotModule: await quickjsSnapshotModule() });
const platform = await createPlatform({ config, store: new MemoryPlatformStore() });
const token = (await devBootstrap(platform, config))!.tenantToken;
const app = createApp({ config, engines: [engine], platform });
const body = JSON.stringify({ language: "javascript", code: "export default (i) => i.a + 1", input: { a: 1 } });
const request = () => app.fetch(new Request("http://kiln.test/v1/run", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body }));
const started = performance.now();
for (let i = 0; i < n; i++) {
  const res = await request();
  if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
  await res.text();
}
console.log(JSON.stringify({ n, msPerRequest: (performance.now() - started) / n }));
