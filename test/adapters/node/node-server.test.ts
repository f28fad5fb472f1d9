/** The app served by @hono/node-server, as `npm start` serves it: what reaches the log when clients misbehave. */
import { serve, type ServerType } from "@hono/node-server";
import { connect } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "../../../src/app.ts";
import { createQuickJSEngine } from "../../../src/quickjs-defaults.ts";
import type { QuickJSEngine } from "../../../src/engine/quickjs/quickjs-engine.ts";
import { createPlatform } from "../../../src/platform/create-platform.ts";
import { MemoryPlatformStore } from "../../../src/platform/memory-platform-store.ts";
import { createTenant } from "../../../src/platform/tenants.ts";
import { quickjsWasm, testConfig } from "../../helpers/fixtures.ts";

const logged: { level: string; message: string }[] = [];
let engine: QuickJSEngine;
let server: ServerType;
let port = 0;
let token = "";

beforeAll(async () => {
  engine = createQuickJSEngine(await quickjsWasm());
  const platform = await createPlatform({ config: testConfig, store: new MemoryPlatformStore() });
  ({ token } = await createTenant(platform, testConfig, { name: "t" }));
  const logger = { error: (message: string) => logged.push({ level: "error", message }), info: (message: string) => logged.push({ level: "info", message }) };
  const app = createApp({ config: testConfig, engines: [engine], platform, logger });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
      port = info.port;
      resolve();
    });
  });
});
afterAll(() => {
  server.close();
  engine.dispose();
});

it("logs a client that hangs up mid-body as the client's doing, not as a host error", async () => {
  const socket = connect(port, "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(`POST /v1/run HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"language":`);
  socket.destroy();
  // The app also logs each answered request at info: the hang-up is one line among them, and no error.
  await expect.poll(() => logged.filter((l) => l.message.startsWith("client closed")), { timeout: 5000 }).toEqual([{ level: "info", message: "client closed the connection during POST /v1/run" }]);
  expect(logged.filter((l) => l.level === "error")).toEqual([]);
  const res = await fetch(`http://127.0.0.1:${port}/v1/run`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ language: "js", code: "export default () => 1" }),
  });
  expect(await res.json()).toMatchObject({ ok: true, result: 1 });
});
