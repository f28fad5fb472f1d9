/**
 * Requests the Node adapter cannot read (malformed HTTP, no Host, `OPTIONS *`, a backslash path, 20 KB
 * of path) get a 4xx with `{error:{code,message}}` like any request error, not an empty 400 or 431.
 * Found by the fuzz suite (test/fuzz), which also sends these to a live server.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeServer } from "../../../src/adapters/node/http-server.ts";
import { RAW_REQUESTS, sendRaw } from "../../fuzz/api-fuzz.ts";

let server: Server;
let base = "";
beforeAll(async () => {
  server = createNodeServer((req) => Response.json({ method: req.method, url: req.url }));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("the Node server's own request errors", () => {
  for (const [name, raw] of Object.entries(RAW_REQUESTS)) {
    it(`${name}: a JSON error or a normal answer`, async () => {
      const reply = await sendRaw(base, raw.replaceAll("{T}", "t"));
      expect(reply.status, reply.body).toBeGreaterThanOrEqual(200);
      expect(reply.status, reply.body).toBeLessThan(500);
      if (reply.status >= 400) {
        expect(reply.headers["content-type"]).toMatch(/^application\/json/);
        const body = JSON.parse(reply.body);
        expect(body).toEqual({ error: { code: "invalid_request", message: expect.any(String) } });
      }
    });
  }

  it("a 20 KB path is a 431 and a malformed header a 400", async () => {
    expect((await sendRaw(base, RAW_REQUESTS["20 KB path"]!)).status).toBe(431);
    expect((await sendRaw(base, RAW_REQUESTS["control character in a header name"]!)).status).toBe(400);
    expect((await sendRaw(base, RAW_REQUESTS["no Host header"]!)).status).toBe(400);
  });

  it("serves well-formed requests as before, a GET with a body included", async () => {
    const reply = await sendRaw(base, "GET /x?y=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}");
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ method: "GET", url: "http://h/x?y=1" });
  });
});
