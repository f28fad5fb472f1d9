import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import type { QuickJSEngine } from "../../src/engine/quickjs/quickjs-engine.ts";
import { appWith, coreEngine } from "../helpers/fixtures.ts";

let engine: QuickJSEngine;
let h: Awaited<ReturnType<typeof appWith>>;
beforeAll(async () => {
  engine = await coreEngine();
  h = await appWith(engine, loadConfig({ KILN_MAX_BODY_BYTES: "65536", KILN_MAX_CODE_BYTES: "1000", KILN_MAX_INPUT_BYTES: "1000", KILN_MAX_FUEL: "5000" }));
});
afterAll(() => engine.dispose());

const benign = { language: "javascript", code: "export default (i) => i.a + 1", input: { a: 41 } };

describe("POST /v1/run", () => {
  it("runs JavaScript and returns the documented shape", async () => {
    const { status, body } = await h.post(benign);
    expect(status).toBe(200);
    expect(body).toEqual({
      ok: true,
      result: 42,
      stdout: "",
      stderr: "",
      logs: [],
      usage: { fuel: expect.any(Number), memoryBytes: expect.any(Number), wallMs: expect.any(Number), start: expect.stringMatching(/^(fresh|warm|restored)$/) },
      runId: expect.any(String),
    });
  });

  it("accepts aliases and TypeScript", async () => {
    expect((await h.post({ ...benign, language: "js" })).body.result).toBe(42);
    const ts = await h.post({ language: "ts", code: "export default (i: { a: number }): number => i.a * 2", input: { a: 4 } });
    expect(ts.body).toMatchObject({ ok: true, result: 8 });
  });

  it("returns a guest failure as 200 with ok:false", async () => {
    const { status, body } = await h.post({ language: "js", code: "throw new Error('x')" });
    expect(status).toBe(200);
    expect(body).toMatchObject({ ok: false, error: { code: "guest_error", message: "Error: x" } });
  });

  it("caps requested limits at the server maxima", async () => {
    const { body } = await h.post({ language: "js", code: "export default (i, ctx) => ctx.limits.fuel", limits: { fuel: 10 ** 12 } });
    expect(body).toMatchObject({ ok: true, result: 5000 });
  });

  const bad: [string, unknown, number, string][] = [
    ["malformed JSON", "{not json", 400, "invalid_json"],
    ["a non-object body", "[1,2]", 400, "invalid_request"],
    ["a missing language", { code: "1" }, 400, "invalid_request"],
    ["a missing code", { language: "js" }, 400, "invalid_request"],
    ["code of the wrong type", { language: "js", code: 42 }, 400, "invalid_request"],
    ["a language of the wrong type", { language: ["js"], code: "1" }, 400, "invalid_request"],
    ["an unknown language", { language: "cobol", code: "1" }, 400, "unsupported_language"],
    ["limits of the wrong type", { ...benign, limits: 5 }, 400, "invalid_request"],
    ["a negative limit", { ...benign, limits: { fuel: -1 } }, 400, "invalid_request"],
    ["a fractional limit", { ...benign, limits: { timeoutMs: 1.5 } }, 400, "invalid_request"],
    ["a string limit", { ...benign, limits: { memoryMb: "64" } }, 400, "invalid_request"],
    ["an unknown limit", { ...benign, limits: { cpu: 1 } }, 400, "invalid_request"],
    ["a type that is neither module nor script", { ...benign, type: "esm" }, 400, "invalid_request"],
    ["code over the cap", { language: "js", code: "1;".repeat(600) }, 413, "payload_too_large"],
    ["input over the cap", { ...benign, input: "x".repeat(2000) }, 413, "payload_too_large"],
    ["input nested 10,000 deep", `{"language":"js","code":"1","input":${"[".repeat(10_000)}${"]".repeat(10_000)}}`, 400, "invalid_request"],
    ["a body over the cap", { ...benign, input: "x".repeat(70_000) }, 413, "payload_too_large"],
  ];
  for (const [what, body, status, code] of bad) {
    it(`rejects ${what} with ${status} ${code}`, async () => {
      const res = await h.post(body, { raw: typeof body === "string" });
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
    });
  }

  it("still serves a benign run after every bad request", async () => {
    expect((await h.post(benign)).body.result).toBe(42);
  });
});

describe("type: module or script", () => {
  // A line that starts with `import` inside a template literal: the guess takes the script for a module.
  const script = "const s = `\nimport x from 'y'`;\nmodule.exports = () => s.length";
  // Top-level await with no import or export line: the guess takes the module for a script.
  const module = "const v = await Promise.resolve(6);\nglobalThis.seen = v;";

  it("evaluates the source as the request says, where the guess from the code is wrong", async () => {
    // Taken for a module, its `module.exports` is not its entry point: no result.
    expect((await h.post({ language: "js", code: script })).body).toMatchObject({ ok: true, result: null });
    expect((await h.post({ language: "js", code: script, type: "script" })).body).toMatchObject({ ok: true, result: 18 });
    expect((await h.post({ language: "js", code: module })).body).toMatchObject({ ok: false, error: { code: "syntax_error" } });
    expect((await h.post({ language: "js", code: module, type: "module" })).body).toMatchObject({ ok: true });
    expect((await h.post({ language: "ts", code: "const n: number = await Promise.resolve(2);\nglobalThis.n = n;", type: "module" })).body).toMatchObject({ ok: true });
  });

  it("keeps a deployed script's type for its invocations, and shows it", async () => {
    const put = await h.request("/v1/scripts/typed", { method: "PUT", body: { language: "js", code: script, type: "script" } });
    expect(put).toMatchObject({ status: 201, body: { name: "typed", type: "script" } });
    expect((await h.request("/v1/scripts/typed/invoke", { method: "POST", body: {} })).body).toMatchObject({ ok: true, result: 18 });
    expect((await h.request("/v1/scripts/typed")).body).toMatchObject({ type: "script", code: script });
    // Without the type the same code deploys as a module, whose invocation has no entry point to call.
    expect((await h.request("/v1/scripts/untyped", { method: "PUT", body: { language: "js", code: script } })).body).not.toHaveProperty("type");
    expect((await h.request("/v1/scripts/untyped/invoke", { method: "POST", body: {} })).body).toMatchObject({ ok: true, result: null });
  });

  it("says which languages take a type", async () => {
    const { body } = await h.request("/v1/languages");
    for (const l of body.languages) expect(l.sourceTypes).toEqual(["module", "script"]);
  });
});

describe("other routes", () => {
  it("lists languages with versions and aliases", async () => {
    const { body } = await h.request("/v1/languages");
    expect(body.languages.map((l: any) => [l.name, l.aliases])).toEqual([
      ["javascript", ["js"]],
      ["typescript", ["ts"]],
      ["cel", []],
      ["cel++", ["celpp"]],
    ]);
    for (const l of body.languages) expect(l.version).toMatch(/QuickJS/);
  });

  it("reports health", async () => {
    const res = await h.app.request("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await h.request("/v1/nothing");
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: "not_found" } });
  });

  it("turns a host failure into a logged 500 without details", async () => {
    const own = await coreEngine();
    const broken = await appWith(own);
    own.dispose();
    const res = await broken.post(benign);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: "internal_error", message: expect.any(String) } });
    expect(broken.errors).toHaveLength(1);
  });
});
