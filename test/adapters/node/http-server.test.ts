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

describe("the body as the Node server reads it for the app (readBodyText)", () => {
  let reader: Server;
  let url = "";
  beforeAll(async () => {
    reader = createNodeServer(async (req, env) => Response.json({ text: await env.readBodyText!(), viaRequest: await new Request("http://x", { method: "POST", body: new Uint8Array(bytes) }).text() }));
    await new Promise<void>((r) => reader.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(reader.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => reader.close(() => r())));
  // A byte-order mark, then characters of two, three and four bytes, sent in pieces that split them.
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":"é€😀"}')]);

  it("decodes as Request.text() does, whatever the chunks", async () => {
    const { connect } = await import("node:net");
    const socket = connect((reader.address() as AddressInfo).port, "127.0.0.1");
    let answer = "";
    socket.on("data", (d) => (answer += d));
    const ended = new Promise((r) => socket.once("end", r));
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`);
    for (let i = 0; i < bytes.length; i += 2) {
      socket.write(bytes.subarray(i, i + 2));
      await new Promise((r) => setTimeout(r, 5));
    }
    await ended;
    const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
    expect(body.text).toBe('{"a":"é€😀"}');
    expect(body.text).toBe(body.viaRequest);
  });
});
