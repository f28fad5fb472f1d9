/**
 * `GET /dev/token` over real connections through the Node server and @hono/node-server's connection
 * info: a dev server hands its tokens to a loopback caller only; production, and an app served without
 * connection info (the edge adapters), have no such route.
 */
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { getConnInfo } from "@hono/node-server/conninfo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeServer } from "../../src/adapters/node/http-server.ts";
import { createApp } from "../../src/app.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import type { QuickJSEngine } from "../../src/engine/quickjs/quickjs-engine.ts";
import { createPlatform } from "../../src/platform/create-platform.ts";
import { MemoryPlatformStore } from "../../src/platform/memory-platform-store.ts";
import { coreEngine } from "../helpers/fixtures.ts";

let engine: QuickJSEngine;
const servers: ReturnType<typeof createNodeServer>[] = [];
beforeAll(async () => {
  engine = await coreEngine();
});
afterAll(() => {
  for (const s of servers) s.close();
  engine.dispose();
});

/** The app with `config`, served on all interfaces, and its port. */
async function serve(config: Config, withConnInfo = true): Promise<number> {
  const platform = await createPlatform({ config, store: new MemoryPlatformStore() });
  const app = createApp({ config, engines: [engine], platform, ...(withConnInfo && { connInfo: getConnInfo }) });
  const server = createNodeServer(app.fetch);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  return (server.address() as AddressInfo).port;
}

const devToken = async (host: string, port: number) => {
  const res = await fetch(`http://${host}:${port}/dev/token`);
  return { status: res.status, body: (await res.json()) as any };
};

/** An address of this machine that is not loopback, if it has one. */
const external = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === "IPv4" && !i.internal)?.address;

describe("GET /dev/token", () => {
  it("hands a loopback caller the dev tenant's token and the admin token, which work", async () => {
    const port = await serve(loadConfig({}));
    const { status, body } = await devToken("127.0.0.1", port);
    expect(status).toBe(200);
    expect(body).toEqual({ adminToken: expect.stringMatching(/^kiln_admin_/), tenantToken: expect.any(String) });
    const run = await fetch(`http://127.0.0.1:${port}/v1/run`, {
      method: "POST",
      headers: { authorization: `Bearer ${body.tenantToken}` },
      body: JSON.stringify({ language: "js", code: "export default () => 1" }),
    });
    expect(await run.json()).toMatchObject({ ok: true, result: 1 });
  });

  it.skipIf(!external)("refuses a caller from another address, even with a loopback Host", async () => {
    const port = await serve(loadConfig({}));
    const res = await fetch(`http://${external}:${port}/dev/token`, { headers: { host: `localhost:${port}` } });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: { code: "forbidden", message: expect.stringContaining("own machine") } });
  });

  it("does not exist in production, nor where the adapter cannot tell the caller's address", async () => {
    const production = loadConfig({ KILN_ENV: "production", KILN_ADMIN_TOKEN: "a".repeat(32), KILN_JWT_KEY: "j".repeat(32), KILN_SECRET_KEY: "s".repeat(32) });
    for (const port of [await serve(production), await serve(loadConfig({}), false)]) {
      expect(await devToken("127.0.0.1", port)).toEqual({ status: 404, body: { error: { code: "not_found", message: "No route for GET /dev/token" } } });
    }
  });
});
