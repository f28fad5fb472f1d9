import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeHttpTransport } from "../../src/adapters/node/node-http-transport.ts";
import { loadConfig } from "../../src/config.ts";
import type { Tenant } from "../../src/platform/platform-store.ts";
import { callbackRefusal, sendCallback } from "../../src/platform/submission-callback.ts";

let server: Server;
let port = 0;
const received: { method: string; type: string; body: string }[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      received.push({ method: req.method!, type: req.headers["content-type"] ?? "", body });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => server.close());

const tenant = (allow: string[]): Tenant => ({ id: "t", name: "t", grants: { httpAllow: allow, kvMaxKeys: 10 }, createdAt: 0 });
const transport = new NodeHttpTransport();

describe("Judge0 callbacks under the guest http policy", () => {
  it("PUTs JSON to an allowed host", async () => {
    const config = loadConfig({ KILN_GRANTS: JSON.stringify({ http: { allow: [`127.0.0.1:${port}`] } }), KILN_HTTP_ALLOW_PRIVATE: "1" });
    const result = await sendCallback(`http://127.0.0.1:${port}/hook`, { token: "x" }, { config, tenant: tenant([`127.0.0.1:${port}`]), transport });
    expect(result).toEqual({ ok: true });
    expect(received.at(-1)).toEqual({ method: "PUT", type: "application/json", body: '{"token":"x"}' });
  });

  it("refuses a loopback address without KILN_HTTP_ALLOW_PRIVATE, even when allowlisted", async () => {
    const config = loadConfig({ KILN_GRANTS: JSON.stringify({ http: { allow: [`127.0.0.1:${port}`] } }) });
    const before = received.length;
    const result = await sendCallback(`http://127.0.0.1:${port}/hook`, {}, { config, tenant: tenant([`127.0.0.1:${port}`]), transport });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/loopback or private/);
    expect(received.length).toBe(before);
  });

  it("needs the host in both the server's and the tenant's allowlist, and an http(s) URL", () => {
    const config = loadConfig({ KILN_GRANTS: JSON.stringify({ http: { allow: ["hooks.example.com"] } }) });
    expect(callbackRefusal("https://hooks.example.com/x", { config, tenant: tenant(["hooks.example.com"]), transport })).toBeUndefined();
    expect(callbackRefusal("https://hooks.example.com/x", { config, tenant: tenant([]), transport })).toMatch(/not allowed/);
    expect(callbackRefusal("https://other.example.com/x", { config, tenant: tenant(["*"]), transport })).toMatch(/not allowed/);
    expect(callbackRefusal("ftp://hooks.example.com/x", { config, tenant: tenant(["*"]), transport })).toBe("must be an http or https URL");
    expect(callbackRefusal("https://hooks.example.com/x", { config, tenant: tenant(["*"]), transport: undefined })).toBe("setting callback is not allowed");
  });
});
