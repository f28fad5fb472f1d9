/** The API as a published contract: GET /openapi.json, GET /docs, and the schema rules every route follows. */
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { GUEST_ERROR_CODES, REQUEST_ERROR_CODES, REQUEST_ERROR_STATUS } from "../../src/errors.ts";
import type { QuickJSEngine } from "../../src/engine/quickjs/quickjs-engine.ts";
import { MAX_ARG_BYTES, MAX_ARGS, MAX_FILES, MAX_STDIN_BYTES } from "../../src/limits/run-inputs.ts";
import { createPlatform } from "../../src/platform/create-platform.ts";
import { MemoryPlatformStore } from "../../src/platform/memory-platform-store.ts";
import { appWith, coreEngine } from "../helpers/fixtures.ts";
import { responseChecker } from "../helpers/openapi-responses.ts";
import { allCases } from "../languages/cases.ts";

let engine: QuickJSEngine;
let h: Awaited<ReturnType<typeof appWith>>;
let document: any;
beforeAll(async () => {
  engine = await coreEngine();
  h = await appWith(engine, loadConfig({ KILN_MAX_BODY_BYTES: String(4 << 20), KILN_MAX_CODE_BYTES: "1000" }));
  const res = await h.app.request("/openapi.json");
  expect(res.status).toBe(200);
  document = await res.json();
});
afterAll(() => engine.dispose());

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("has every route of the app, and no route the app does not have", () => {
    const methods = new Set(["get", "post", "put", "delete", "patch"]);
    const inApp = new Set(
      h.app.routes.filter((r) => methods.has(r.method.toLowerCase())).map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([^/]+)/g, "{$1}")}`),
    );
    const inDocument = new Set(
      Object.entries(document.paths as Record<string, object>).flatMap(([path, item]) => Object.keys(item).filter((m) => methods.has(m)).map((m) => `${m} ${path}`)),
    );
    expect([...inApp].sort()).toEqual([...inDocument].sort());
    expect(inApp.size).toBeGreaterThan(15);
  });

  it("states each pattern as JSON Schema reads it (a regular expression without flags)", () => {
    const patterns = [...JSON.stringify(document).matchAll(/"pattern":("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1]!) as string);
    expect(patterns.length).toBeGreaterThan(3);
    for (const pattern of patterns) {
      expect(pattern, pattern).not.toMatch(/\/[a-z]+$/);
      expect(() => new RegExp(pattern, "u"), pattern).not.toThrow();
    }
  });

  it("names the two bearer schemes, and each /v1 route needs one of them", () => {
    expect(document.components.securitySchemes).toMatchObject({
      tenantToken: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
      adminToken: { type: "http", scheme: "bearer" },
    });
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const op of Object.values(item)) {
        if (path.startsWith("/v1/")) expect(op.security.length, path).toBeGreaterThan(0);
        else expect(op.security, path).toEqual([]);
      }
    }
  });

  it("lists the closed error code sets as enums", () => {
    const schemas = document.components.schemas;
    for (const status of [400, 401, 403, 404, 413, 503]) {
      const codes = REQUEST_ERROR_CODES.filter((c) => REQUEST_ERROR_STATUS[c] === status);
      expect(schemas[`Error${status}`].properties.error.properties.code.enum, String(status)).toEqual(codes);
    }
    expect(schemas.Error500.properties.error.properties.code.enum).toEqual(["internal_error"]);
    expect(schemas.GuestError.properties.code.enum).toEqual([...GUEST_ERROR_CODES]);
  });

  it("has an example run for each language, and each one runs as documented", async () => {
    const examples = document.paths["/v1/run"].post.requestBody.content["application/json"].examples;
    expect(Object.keys(examples).sort()).toEqual(Object.keys(allCases).sort());
    // Each is its language's conformance `greet` case, which test/languages/every-language.test.ts runs in every language.
    for (const [name, example] of Object.entries(examples as Record<string, { value: { language: string; code: string } }>)) {
      expect(example.value, name).toEqual({ language: name, code: allCases[name]!.greet, input: { name: "Kiln" } });
    }
    // This app serves the QuickJS languages: their examples must run.
    for (const name of ["javascript", "typescript"]) {
      const { status, body } = await h.post(examples[name].value);
      expect(status).toBe(200);
      expect(body).toMatchObject({ ok: true, result: "hi Kiln" });
    }
  });
});

describe("the response check the test helpers make", () => {
  it("fails a response the document does not describe", () => {
    const check = responseChecker(document);
    const json = "application/json";
    expect(() => check("GET", "/healthz", 200, json, '{"status":"ok"}')).not.toThrow();
    expect(() => check("GET", "/healthz", 200, json, '{"status":"ok","extra":1}')).toThrow(/does not match/);
    expect(() => check("GET", "/healthz", 418, json, "{}")).toThrow(/not documented/);
    expect(() => check("POST", "/v1/run", 400, json, '{"error":{"code":"rate_limited","message":"x"}}')).toThrow(/does not match/);
    expect(() => check("POST", "/v1/run", 200, json, '{"ok":true,"result":1,"stdout":"","stderr":"","logs":[]}')).toThrow(/does not match/);
    expect(() => check("GET", "/healthz", 200, "text/plain", "ok")).toThrow(/content type/);
  });
});

describe("GET /docs", () => {
  it("serves Swagger UI with its script and stylesheet from the app itself, no CDN", async () => {
    const page = await h.app.request("/docs");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    const sources = [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.sort()).toEqual(["docs/init.js", "docs/swagger-ui-bundle.js", "docs/swagger-ui.css"]);
    for (const source of sources) {
      const asset = await h.app.request(`/${source}`);
      expect(asset.status, source).toBe(200);
      expect(asset.headers.get("content-type"), source).toMatch(source.endsWith(".css") ? /^text\/css/ : /^text\/javascript/);
      expect((await asset.text()).length, source).toBeGreaterThan(source === "docs/init.js" ? 10 : 100_000);
    }
    expect(await (await h.app.request("/docs/init.js")).text()).toContain('url: "./openapi.json"');
    expect((await h.request("/docs/other.js")).status).toBe(404);
  });

  it("is a plain page listing the routes where the adapter has no copy of Swagger UI", async () => {
    const config = loadConfig({});
    const app = createApp({ config, engines: [engine], platform: await createPlatform({ config, store: new MemoryPlatformStore() }) });
    const page = await app.request("/docs");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('href="./openapi.json"');
    expect(html).toContain("<code>POST /v1/run</code>");
    expect(html).not.toContain("<script");
    expect((await app.request("/docs/swagger-ui-bundle.js")).status).toBe(404);
  });
});

describe("request schemas", () => {
  const run = { language: "js", code: "export default (i) => i", input: 1 };
  const refused = async (body: unknown, status: number, code: string, message: RegExp, path = "/v1/run", method = "POST") => {
    const res = await h.request(path, { method, body });
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
  };

  it("refuses an unknown top-level field, naming it", async () => {
    await refused({ ...run, limit: { fuel: 5 } }, 400, "invalid_request", /^limit: unknown field$/);
    await refused({ ...run, limits: { cpu: 1 } }, 400, "invalid_request", /^limits\.cpu: unknown field$/);
    await refused({ language: "js", code: "1", grants: { fs: {} } }, 400, "invalid_request", /^grants\.fs: unknown field$/);
    await refused({ language: "js", code: "1", typo: 1 }, 400, "invalid_request", /^typo: unknown field$/, "/v1/scripts/s", "PUT");
    await refused({ version: 1, force: true }, 400, "invalid_request", /^force: unknown field$/, "/v1/scripts/s/rollback");
    await refused({ value: "v", ttl: 1 }, 400, "invalid_request", /^ttl: unknown field$/, "/v1/secrets/S", "PUT");
  });

  it("names the field path of a wrong value", async () => {
    await refused({ ...run, limits: { fuel: -1 } }, 400, "invalid_request", /^limits\.fuel: must be a positive integer/);
    await refused({ ...run, limits: { timeoutMs: 1.5 } }, 400, "invalid_request", /^limits\.timeoutMs: /);
    await refused({ ...run, language: ["js"] }, 400, "invalid_request", /^language: /);
    await refused({ ...run, grants: { kv: { namespace: "a b" } } }, 400, "invalid_request", /^grants\.kv\.namespace: /);
    await refused({ component: "abc" }, 400, "invalid_request", /^component: must be the id/);
    await refused({ language: "component", code: "1" }, 400, "invalid_request", /^language: a component runs by id/);
    await refused({ version: "2" }, 400, "invalid_request", /^version: must be an integer/, "/v1/scripts/s/rollback");
    await refused({ ...run }, 400, "invalid_request", /^name: a script name is/, "/v1/scripts/-bad-", "PUT");
    const malformed = await h.request("/v1/run", { body: "{nope", raw: true });
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: "invalid_json" } } });
  });

  it("takes stdin, args and files on a run and a deploy", async () => {
    const inputs = { stdin: "line 1\nline 2\n", args: ["--flag", "ü"], files: [{ name: "lib/util.js", content: "export const x = 1;" }, { name: "a.b-c_d", content: "" }] };
    const ran = await h.post({ ...run, ...inputs });
    expect(ran).toMatchObject({ status: 200, body: { ok: true, result: 1 } });
    const deployed = await h.request("/v1/scripts/with-inputs", { method: "PUT", body: { language: "js", code: "export default () => 2", ...inputs } });
    expect(deployed.status).toBe(201);
  });

  it("refuses bad file names with the field path", async () => {
    const withFiles = (files: unknown) => ({ ...run, files });
    const file = (name: string) => ({ name, content: "x" });
    for (const name of ["../secret", "a/../b", "/etc/passwd", "a//b", "a/", "./a", "a\u0000b", "", "a\\b", "ü.py", "a b"]) {
      await refused(withFiles([file("ok.js"), file(name)]), 400, "invalid_request", /^files\[1\]\.name: /);
    }
    await refused(withFiles([file("same.js"), file("same.js")]), 400, "invalid_request", /^files\[1\]\.name: duplicate file name 'same\.js'/);
    await refused(withFiles([{ name: "a.js" }]), 400, "invalid_request", /^files\[0\]\.content: /);
    await refused(withFiles([{ name: "a.js", content: "x", mode: 7 }]), 400, "invalid_request", /^files\[0\]\.mode: unknown field/);
  });

  it("refuses wrong types for stdin, args and files with the field path", async () => {
    await refused({ ...run, stdin: 5 }, 400, "invalid_request", /^stdin: /);
    await refused({ ...run, stdin: ["a"] }, 400, "invalid_request", /^stdin: /);
    await refused({ ...run, args: "a b" }, 400, "invalid_request", /^args: /);
    await refused({ ...run, args: ["a", 2] }, 400, "invalid_request", /^args\[1\]: /);
    await refused({ ...run, files: { "a.js": "x" } }, 400, "invalid_request", /^files: /);
    await refused({ ...run, files: ["a.js"] }, 400, "invalid_request", /^files\[0\]: /);
    await refused({ language: "js", code: "1", args: [null] }, 400, "invalid_request", /^args\[0\]: /, "/v1/scripts/s", "PUT");
  });

  it("refuses what is over a size or count cap with 413, naming the field", async () => {
    await refused({ ...run, stdin: "x".repeat(MAX_STDIN_BYTES + 1) }, 413, "payload_too_large", /^stdin: larger than/);
    // Counted in UTF-8 bytes: 2 bytes each.
    await refused({ ...run, args: ["é".repeat(MAX_ARG_BYTES / 2 + 1)] }, 413, "payload_too_large", /^args\[0\]: larger than/);
    await refused({ ...run, args: Array(MAX_ARGS + 1).fill("a") }, 413, "payload_too_large", /^args: /);
    const files = (n: number, size: number) => Array.from({ length: n }, (_, i) => ({ name: `f${i}.js`, content: "x".repeat(size) }));
    await refused({ ...run, files: files(MAX_FILES + 1, 1) }, 413, "payload_too_large", /^files: /);
    await refused({ ...run, files: files(3, 400_000) }, 413, "payload_too_large", /^files: the files and the code together/);
    await refused({ language: "js", code: "1;".repeat(600) }, 413, "payload_too_large", /^code: larger than 1000 bytes/);
    // Bytes, not characters: 600 characters of 2 bytes each.
    await refused({ language: "js", code: `//${"é".repeat(600)}` }, 413, "payload_too_large", /^code: larger than 1000 bytes/);
    expect((await h.post({ ...run, code: `${run.code} //${"é".repeat(450)}` })).status).toBe(200);
    await refused({ ...run, files: files(2, 0).map((f) => ({ ...f, content: "€".repeat(180_000) })) }, 413, "payload_too_large", /^files: /);
    // A malformed request is a 400 even when a field is also over its cap.
    await refused({ ...run, stdin: "x".repeat(MAX_STDIN_BYTES + 1), args: 5 }, 400, "invalid_request", /args: /);
  });
});
