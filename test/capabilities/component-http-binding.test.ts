/**
 * `kiln:sandbox/http` as a caller's component imports it: jco hands the binding the WIT record
 * (body: bytes) and expects the WIT record back, synchronously (a blocking host thread answers),
 * while the host answers in the JSON form. The target server runs in its own thread, since this
 * one blocks while it waits.
 */
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ThreadBlockingHost } from "../../src/adapters/node/thread-blocking-host.ts";
import { loadConfig } from "../../src/config.ts";
import { kilnImports } from "../../src/engine/component/kiln-imports.ts";

const SERVER = `
const { createServer } = require("node:http");
const { parentPort } = require("node:worker_threads");
const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => res.writeHead(200, [["X-A", "1"], ["Content-Type", "application/octet-stream"]]).end(Buffer.concat([Buffer.from([0xff]), ...chunks])));
});
server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
`;
let worker: Worker;
let host = "";
const blocking = new ThreadBlockingHost({ kvPath: ":memory:" });

beforeAll(async () => {
  worker = new Worker(SERVER, { eval: true });
  host = `127.0.0.1:${await new Promise<number>((resolve) => worker.once("message", resolve))}`;
});
afterAll(async () => {
  blocking.dispose();
  await worker.terminate();
});

it("takes and answers WIT records, bytes and header pairs intact", () => {
  const limits = loadConfig({ KILN_HTTP_ALLOW_PRIVATE: "1" }).hostLimits;
  using run = blocking.open({ grants: { http: { allow: [host] }, secrets: {} }, limits, deadline: Date.now() + 10_000 });
  const imports = kilnImports((iface, fn, args) => run.call(iface, fn, args), { redact: (text) => text, answer: JSON.stringify });
  const answer = imports["kiln:sandbox/http"].fetch({ method: "POST", url: `http://${host}/`, headers: [["x-b", "2"]], body: new Uint8Array([0x00, 0xc3]) }) as any;
  expect(answer.status).toBe(200);
  expect(answer.headers).toEqual(expect.arrayContaining([["x-a", "1"], ["content-type", "application/octet-stream"]]));
  expect(answer.body).toBeInstanceOf(Uint8Array);
  expect([...answer.body]).toEqual([0xff, 0x00, 0xc3]);
});
