/**
 * The `http` host against a real server on 127.0.0.1: the answer in JSON form (binary bodies,
 * headers), and the request timeout, which always ends before the run's deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeHttpTransport } from "../../src/adapters/node/node-http-transport.ts";
import { loadConfig } from "../../src/config.ts";
import { HostCallError } from "../../src/errors.ts";
import { deadlineReserveMs, requestTimeoutMs } from "../../src/capabilities/http.ts";
import { RunHost } from "../../src/capabilities/run-host.ts";
import { BINARY, startUpstream } from "../helpers/upstream.ts";

let server: Awaited<ReturnType<typeof startUpstream>>;
let origin = "";

beforeAll(async () => {
  server = await startUpstream({ slowMs: 3_000 });
  origin = server.origin;
});
afterAll(() => {
  server.close();
});

const limits = (env: Record<string, string> = {}) => loadConfig({ KILN_HTTP_ALLOW_PRIVATE: "1", ...env }).hostLimits;
const host = (options: { deadline?: number; env?: Record<string, string> } = {}) =>
  new RunHost({ grants: { http: { allow: [origin.replace("http://", "")] }, secrets: {} }, limits: limits(options.env), services: { http: new NodeHttpTransport() }, deadline: options.deadline });
const failure = async (promise: unknown) => {
  try {
    await promise;
  } catch (e) {
    if (e instanceof HostCallError) return { code: e.code, message: e.message };
    throw e;
  }
  return "answered";
};

describe("the http answer, in JSON form", () => {
  it("is {status, headers, body, bodyEncoding}: a binary body in base64, byte for byte", async () => {
    using run = host();
    expect(await run.call("http", "fetch", [`${origin}/binary`])).toEqual({
      status: 200,
      headers: expect.objectContaining({ "content-type": "application/octet-stream" }),
      body: "AP8BAsM=",
      bodyEncoding: "base64",
    });
  });

  it("has headers by lower-case name (repeats joined with ', ') and a UTF-8 body as text", async () => {
    using run = host();
    const answer = (await run.call("http", "fetch", [`${origin}/headers`])) as any;
    expect(answer).toMatchObject({ status: 200, body: "naïve ☃", bodyEncoding: "utf8" });
    expect(answer.headers).toMatchObject({ "x-multi": "one, two", "content-type": "text/plain; charset=utf-8" });
    expect(Object.keys(answer.headers).every((k) => k === k.toLowerCase())).toBe(true);
  });

  it("sends a base64 request body as its bytes", async () => {
    using run = host();
    const answer = (await run.call("http", "fetch", [{ method: "POST", url: `${origin}/echo-bytes`, body: "AP8BAsM=", bodyEncoding: "base64" }])) as any;
    expect(JSON.parse(answer.body)).toEqual([0x00, 0xff, 0x01, 0x02, 0xc3]);
  });

  it("caps a request body by its bytes, not its base64 text", async () => {
    using run = host({ env: { KILN_HTTP_MAX_REQUEST_BYTES: "4" } });
    expect(await failure(run.call("http", "fetch", [{ method: "POST", url: `${origin}/echo-bytes`, body: "AP8BAsM=", bodyEncoding: "base64" }]))).toMatchObject({ code: "limit_exceeded" });
    using fits = host({ env: { KILN_HTTP_MAX_REQUEST_BYTES: "5" } });
    expect(await fits.call("http", "fetch", [{ method: "POST", url: `${origin}/echo-bytes`, body: "AP8BAsM=", bodyEncoding: "base64" }])).toMatchObject({ status: 200 });
  });
});

describe("the request timeout", () => {
  it("by default sits well under the default run deadline", () => {
    const config = loadConfig({});
    expect(config.hostLimits.httpTimeoutMs).toBeLessThanOrEqual(config.defaults.timeoutMs - 1_000);
    expect(() => loadConfig({ KILN_HTTP_TIMEOUT_MS: "0" })).toThrow(/KILN_HTTP_TIMEOUT_MS/);
  });

  it("is the server's, cut to end a reserve before the run's deadline", () => {
    const now = 1_000_000;
    expect(requestTimeoutMs(3_000, undefined, now)).toBe(3_000);
    expect(requestTimeoutMs(3_000, now + 30_000, now)).toBe(3_000);
    expect(requestTimeoutMs(5_000, now + 5_000, now)).toBe(4_500);
    expect(requestTimeoutMs(5_000, now + 1_000, now)).toBe(800);
    expect(requestTimeoutMs(5_000, now + 100, now)).toBe(80);
    expect(requestTimeoutMs(5_000, now + 20, now)).toBeLessThanOrEqual(0);
    for (const left of [1, 50, 300, 2_000, 10_000, 60_000]) expect(deadlineReserveMs(left)).toBeGreaterThanOrEqual(20);
  });

  it("ends a slow request as a `failed` HostError before the run's deadline, with time to spare", async () => {
    using run = host({ deadline: Date.now() + 1_000, env: { KILN_HTTP_TIMEOUT_MS: "5000" } });
    const started = Date.now();
    expect(await failure(run.call("http", "fetch", [`${origin}/slow`]))).toEqual({ code: "failed", message: expect.stringMatching(/did not answer within \d+ ms/) });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(700);
    expect(took).toBeLessThan(1_000);
  });

  it("sends nothing when no time is left before the deadline", async () => {
    using run = host({ deadline: Date.now() + 10 });
    const before = server.hits.length;
    expect(await failure(run.call("http", "fetch", [`${origin}/binary`]))).toMatchObject({ code: "failed", message: expect.stringContaining("deadline") });
    expect(server.hits.length).toBe(before);
  });
});
