/** The app served by the Node adapter's server (@hono/node-server's listener), as `npm start` serves it: what reaches the log when clients misbehave. */
import type { Server } from "node:http";
import { createNodeServer } from "../../../src/adapters/node/http-server.ts";
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
let server: Server;
let port = 0;
let token = "";

beforeAll(async () => {
  engine = createQuickJSEngine(await quickjsWasm());
  const platform = await createPlatform({ config: testConfig, store: new MemoryPlatformStore() });
  ({ token } = await createTenant(platform, testConfig, { name: "t" }));
  const logger = { error: (message: string) => logged.push({ level: "error", message }), info: (message: string) => logged.push({ level: "info", message }) };
  const app = createApp({ config: testConfig, engines: [engine], platform, logger });
  await new Promise<void>((resolve) => {
    server = createNodeServer(app.fetch).listen(0, "127.0.0.1", () => {
      port = (server.address() as { port: number }).port;
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

it("refuses a body over the limit with 413 payload_too_large, by its Content-Length or as a chunked body is counted", async () => {
  const big = JSON.stringify({ language: "js", code: `export default () => ${JSON.stringify("x".repeat(testConfig.maxBodyBytes))}` });
  const post = (body: BodyInit, extra: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${port}/v1/run`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...extra }, body, ...({ duplex: "half" } as object) });
  const byLength = await post(big);
  expect(byLength.status).toBe(413);
  expect(((await byLength.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  const chunked = await post(new Blob([big]).stream());
  expect(chunked.status).toBe(413);
  expect(((await chunked.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  // Under the limit, both ways read the same.
  const small = JSON.stringify({ language: "js", code: "export default (i) => i.s.length", input: { s: "é€😀" } });
  for (const body of [small, new Blob([small]).stream()]) expect(await (await post(body)).json()).toMatchObject({ ok: true, result: 4 });
});
