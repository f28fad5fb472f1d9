/**
 * Without an adapter's durable queue and consumer loop (the edge adapters), Judge0's asynchronous
 * submissions wait in memory and are drained in the same process: through the real app, on QuickJS.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { MemoryKvStore } from "../../src/capabilities/kv-store.ts";
import { loadConfig } from "../../src/config.ts";
import type { QuickJSEngine } from "../../src/engine/quickjs/quickjs-engine.ts";
import { createPlatform, devBootstrap } from "../../src/platform/create-platform.ts";
import { MemoryPlatformStore } from "../../src/platform/memory-platform-store.ts";
import { createQuickJSEngine } from "../../src/quickjs-defaults.ts";
import { quickjsWasm } from "../helpers/fixtures.ts";

let engine: QuickJSEngine;
let app: ReturnType<typeof createApp>;
let token = "";
beforeAll(async () => {
  const config = loadConfig({});
  engine = createQuickJSEngine(await quickjsWasm(), { services: { kv: new MemoryKvStore() } });
  const platform = await createPlatform({ config, store: new MemoryPlatformStore() });
  token = (await devBootstrap(platform, config))!.tenantToken;
  app = createApp({ config, engines: [engine], platform });
});
afterAll(() => engine.dispose());

const judge0 = async (path: string, body?: unknown) => {
  const res = await app.request(`/judge0${path}`, { method: body === undefined ? "GET" : "POST", headers: { "x-auth-token": token, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};

describe("SubmissionDrain (an app without a consumer loop)", () => {
  it("runs every queued submission in this process", async () => {
    const batch = await judge0("/submissions/batch", { submissions: Array.from({ length: 5 }, (_, i) => ({ language_id: 63, source_code: `console.log(${i} * 2)` })) });
    expect(batch.status).toBe(201);
    const single = await judge0("/submissions", { language_id: 74, source_code: "const n: number = 21;\nconsole.log(n * 2)" });
    const tokens = [...batch.body.map((t: { token: string }) => t.token), single.body.token];
    let results: { status_id: number; stdout: string }[] = [];
    for (let i = 0; i < 200; i++) {
      results = (await judge0(`/submissions/batch?tokens=${tokens.join(",")}&fields=status_id,stdout`)).body.submissions;
      if (results.every((r) => r.status_id > 2)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(results).toEqual([...[0, 2, 4, 6, 8].map((n) => ({ status_id: 3, stdout: `${n}\n` })), { status_id: 3, stdout: "42\n" }]);
  });
});
