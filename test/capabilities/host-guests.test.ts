/**
 * `http` and `secrets` as each guest language sees them, through the real app and worker pool,
 * against a real HTTP server on 127.0.0.1 (KILN_HTTP_ALLOW_PRIVATE): the same JSON answer in
 * JavaScript, Python, Lua and Ruby; a slow upstream as a catchable `failed`; secrets outside the
 * grant refused; a secret that exists nowhere a 404.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkerPoolEngine } from "../../src/adapters/node/worker-pool.ts";
import { loadConfig } from "../../src/config.ts";
import { appWith, workerPool } from "../helpers/fixtures.ts";
import { BINARY, startUpstream } from "../helpers/upstream.ts";

let target: Awaited<ReturnType<typeof startUpstream>>;
let host = "";
let pool: WorkerPoolEngine;
let h: Awaited<ReturnType<typeof appWith>>;

beforeAll(async () => {
  // Slower than the default http timeout (3000 ms), faster than the default run deadline (5000 ms).
  target = await startUpstream({ slowMs: 4_500 });
  host = target.host;
  // One worker, warmed up per language below, so that no run here pays a cold start on a busy machine.
  pool = await workerPool({ size: 1 });
  h = await appWith(
    pool,
    loadConfig({
      KILN_HTTP_ALLOW_PRIVATE: "1",
      KILN_GRANTS: JSON.stringify({ kv: { namespaces: ["*"] }, http: { allow: ["*"] } }),
      KILN_SECRETS: JSON.stringify({ API_KEY: "the-api-key-value" }),
    }),
  );
  for (const language of ["javascript", "python", "lua", "ruby"]) await h.post({ language, code: "1", limits: { timeoutMs: 60_000 } });
}, 240_000);

afterAll(async () => {
  await pool.close();
  target.close();
});

const run = (language: string, code: string, input: unknown, grants: unknown = { http: { allow: [host] } }) => h.post({ language, code, input, grants });
/** The same, with a deadline that a busy machine cannot reach (for cases that are not about time). */
const runPatiently = (language: string, code: string, input: unknown) => h.post({ language, code, input, grants: { http: { allow: [host] } }, limits: { timeoutMs: 30_000 } });

/** Each language fetches `input.url` and returns what it read from the answer; `input.post` sends base64 bytes instead. */
const FETCH: Record<string, string> = {
  javascript: `import { http } from "kiln";
export default async (input) => {
  const r = await http.fetch(input.post ? { method: "POST", url: input.url, body: input.post, bodyEncoding: "base64" } : input.url);
  return { status: r.status, type: r.headers["content-type"], multi: r.headers["x-multi"] ?? null, body: r.body, enc: r.bodyEncoding };
}`,
  python: `import kiln
def main(input):
    req = {"method": "POST", "url": input["url"], "body": input["post"], "bodyEncoding": "base64"} if input.get("post") else input["url"]
    r = kiln.http.fetch(req)
    return {"status": r["status"], "type": r["headers"].get("content-type"), "multi": r["headers"].get("x-multi"), "body": r["body"], "enc": r["bodyEncoding"]}`,
  lua: `function main(input)
  local req = input.url
  if input.post then req = { method = "POST", url = input.url, body = input.post, bodyEncoding = "base64" } end
  local r = kiln.http.fetch(req)
  return { status = r.status, type = r.headers["content-type"], multi = r.headers["x-multi"], body = r.body, enc = r.bodyEncoding }
end`,
  ruby: `def main(input)
  req = input["post"] ? { "method" => "POST", "url" => input["url"], "body" => input["post"], "bodyEncoding" => "base64" } : input["url"]
  r = Kiln::HTTP.fetch(req)
  { status: r["status"], type: r["headers"]["content-type"], multi: r["headers"]["x-multi"], body: r["body"], enc: r["bodyEncoding"] }
end`,
};

describe.each(Object.keys(FETCH))("http.fetch in %s", (language) => {
  it("answers headers by lower-case name (repeats joined) and a binary body as base64, byte for byte", async () => {
    const { body } = await runPatiently(language, FETCH[language]!, { url: `http://${host}/binary` });
    expect(body).toMatchObject({ ok: true, result: { status: 200, type: "application/octet-stream", multi: "one, two", body: "AP8BAsM=", enc: "base64" } });
  });

  it("answers a UTF-8 body as text", async () => {
    const { body } = await runPatiently(language, FETCH[language]!, { url: `http://${host}/text` });
    expect(body).toMatchObject({ ok: true, result: { status: 200, type: "text/plain; charset=utf-8", body: "naïve ☃", enc: "utf8" } });
  });

  it("sends a base64 request body as its bytes", async () => {
    const { body } = await runPatiently(language, FETCH[language]!, { url: `http://${host}/echo-bytes`, post: "AP8BAsM=" });
    expect(body).toMatchObject({ ok: true, result: { status: 200, body: "[0,255,1,2,195]", enc: "utf8" } });
  });
});

/** Each language fetches a slow upstream under the default limits and returns the error it caught. */
const SLOW: Record<string, string> = {
  javascript: `import { http } from "kiln";
export default async (input) => { try { await http.fetch(input.url); return "answered" } catch (e) { return [e.name, e.code] } }`,
  python: `import kiln
def main(input):
    try:
        kiln.http.fetch(input["url"])
        return "answered"
    except kiln.HostError as e:
        return ["HostError", e.code]`,
};

describe.each(Object.keys(SLOW))("a slow upstream in %s", (language) => {
  it("is a catchable `failed` HostError with the default limits, not the end of the run", async () => {
    const { body } = await run(language, SLOW[language]!, { url: `http://${host}/slow` });
    expect(body).toMatchObject({ ok: true, result: ["HostError", "failed"] });
    expect(body.usage.wallMs).toBeGreaterThanOrEqual(2_900);
  }, 20_000);

  it("is a catchable `failed` HostError before a deadline shorter than the http timeout", async () => {
    const { body } = await h.post({ language, code: SLOW[language]!, input: { url: `http://${host}/slow` }, grants: { http: { allow: [host] } }, limits: { timeoutMs: 1_500 } });
    expect(body).toMatchObject({ ok: true, result: ["HostError", "failed"] });
    expect(body.usage.wallMs).toBeLessThan(1_500);
  }, 20_000);
});

/** Each language reads a granted secret and one the grant does not name. */
const SECRETS: Record<string, string> = {
  javascript: `import { secrets } from "kiln";
export default () => { const own = secrets.get("API_KEY"); try { return [own, secrets.get("OTHER")] } catch (e) { return [own, e.code] } }`,
  python: `import kiln
def main(input):
    own = kiln.secrets.get("API_KEY")
    try:
        return [own, kiln.secrets.get("OTHER")]
    except kiln.HostError as e:
        return [own, e.code]`,
};

describe.each(Object.keys(SECRETS))("secrets.get in %s", (language) => {
  it("refuses a name the grant does not list with capability_denied", async () => {
    const { body } = await run(language, SECRETS[language]!, null, { secrets: ["API_KEY"] });
    expect(body).toMatchObject({ ok: true, result: ["the-api-key-value", "capability_denied"] });
  });
});

describe("a deployed script whose secret was deleted", () => {
  it("still runs; secrets.get answers null until the secret is stored again", async () => {
    expect((await h.request("/v1/secrets/TOK", { method: "PUT", body: { value: "tok-value-1" } })).status).toBe(200);
    const code = `import { secrets } from "kiln"; export default () => secrets.get("TOK")`;
    expect((await h.request("/v1/scripts/uses-tok", { method: "PUT", body: { language: "javascript", code, grants: { secrets: ["TOK"] } } })).status).toBe(201);
    const invoke = () => h.request("/v1/scripts/uses-tok/invoke", { method: "POST", body: {} });
    expect((await invoke()).body).toMatchObject({ ok: true, result: "tok-value-1" });
    expect((await h.request("/v1/secrets/TOK", { method: "DELETE" })).status).toBe(200);
    const gone = await invoke();
    expect(gone.status).toBe(200);
    expect(gone.body).toMatchObject({ ok: true, result: null });
    await h.request("/v1/secrets/TOK", { method: "PUT", body: { value: "tok-value-2" } });
    expect((await invoke()).body).toMatchObject({ ok: true, result: "tok-value-2" });
  });
});

describe("a secret that exists nowhere", () => {
  it("is a 404 not_found naming it for a run and for a deploy, not a policy refusal", async () => {
    const ran = await run("javascript", "1", null, { secrets: ["NOPE"] });
    expect(ran.status).toBe(404);
    expect(ran.body.error).toEqual({ code: "not_found", message: expect.stringContaining("No secret named 'NOPE' exists") });
    const deployed = await h.request("/v1/scripts/needs-nope", { method: "PUT", body: { language: "javascript", code: "1", grants: { secrets: ["NOPE"] } } });
    expect(deployed.status).toBe(404);
    expect(deployed.body.error.code).toBe("not_found");
  });
});
