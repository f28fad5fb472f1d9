/**
 * One test per behaviour, looped over every language the server runs (cases.ts), through the real
 * app on the Node worker pool: deploys, invocations, rollbacks, side effects, clocks, error shapes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkerPoolEngine } from "../../src/adapters/node/worker-pool.ts";
import { loadConfig } from "../../src/config.ts";
import { appWith, workerPool } from "../helpers/fixtures.ts";
import { allCases, cases, ruleCases, unsupportedBy, type LanguageCases } from "./cases.ts";

// One kv file, as on a real server: JavaScript's kv (in the workers) and the components' (in the host thread) share it.
const dir = mkdtempSync(join(tmpdir(), "kiln-languages-"));
const ctx = {} as { pool: WorkerPoolEngine; h: Awaited<ReturnType<typeof appWith>> };
beforeAll(async () => {
  ctx.pool = await workerPool({ size: 2, kvPath: join(dir, "kv.sqlite") });
  ctx.h = await appWith(ctx.pool);
});
afterAll(async () => {
  await ctx.pool.close();
  expect(ctx.pool.threads).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});
const languages = Object.keys(allCases);
const maxFuel = loadConfig({}).maxima.fuel;

it("has cases for every language the server runs", async () => {
  const { body } = await ctx.h.request("/v1/languages");
  const served = body.languages.map((l: { name: string }) => l.name).filter((name: string) => name !== "component");
  expect(served.sort()).toEqual([...languages].sort());
  // Each lists its example, which is its fixtures' greet case (run below as a deployed handler).
  for (const { name, example } of body.languages as { name: string; example?: string }[]) if (name !== "component") expect(example, name).toBe(allCases[name]!.greet);
});

it("takes a type (module or script) only for the languages that list it, and refuses it for the others", async () => {
  const { body } = await ctx.h.request("/v1/languages");
  for (const { name, sourceTypes } of body.languages as { name: string; sourceTypes?: string[] }[]) {
    if (name === "component") continue;
    const res = await ctx.h.post({ language: name, code: allCases[name]!.greet, input: { name: "ada" }, type: "script" });
    if (sourceTypes?.includes("script")) expect(res.status, name).toBe(200);
    else expect(res, name).toMatchObject({ status: 400, body: { error: { code: "invalid_request", message: `'type' does not apply to ${name}` } } });
  }
});

it("says, for an expression language (CEL), why it has none of the other behaviours", () => {
  const all: (keyof LanguageCases)[] = ["greet", "greetAgain", "counter", "clock", "syntaxError", "syntax", "guestError", "hugeInteger", "caughtHostError", "hostCalls", "capabilities", "stdinAll", "stdinLines", "stdinNumbers", "args", "importFiles", "importUtil"];
  for (const [language, c] of Object.entries(ruleCases)) {
    const missing = all.filter((k) => !(k in c));
    expect(Object.keys(unsupportedBy[language]!).sort(), language).toEqual(missing.sort());
    for (const k of missing) expect(unsupportedBy[language]![k], `${language} ${k}`).toMatch(/\w+ \w+/);
  }
});

describe.each(languages)("%s", (language) => {
  const c = allCases[language]!;
  /** The behaviours only general-purpose languages have (a CEL rule has no effects, clock or errors to catch). */
  const full: LanguageCases | undefined = cases[language];
  // A generous deadline: a worker's first Ruby run compiles a 30 MB module, and CI's two cores are shared.
  const limits = { timeoutMs: 30_000 };
  const run = (code: string, extra: { limits?: object } = {}) => ctx.h.post({ language, code, limits: { ...limits, ...extra.limits } }).then((r) => r.body);
  const deploy = (name: string, code: string, extra: Record<string, unknown> = {}) =>
    ctx.h.request(`/v1/scripts/${name}`, { method: "PUT", body: { language, code, limits, ...extra } });
  const invoke = (name: string, input?: unknown) => ctx.h.request(`/v1/scripts/${name}/invoke`, { method: "POST", body: input });

  it("deploys a handler that reads its input, invokes it, rolls forward and back", async () => {
    const name = `greet-${language.replaceAll("+", "p")}`; // a script name is letters, digits, _ and -: cel++ deploys as greet-celpp
    const first = await deploy(name, c.greet);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect((await invoke(name, { name: "ada" })).body).toMatchObject({ ok: true, result: "hi ada", script: { name, version: 1 } });
    expect((await deploy(name, c.greetAgain)).status).toBe(201);
    expect((await invoke(name, { name: "ada" })).body).toMatchObject({ ok: true, result: "hello ada", script: { version: 2 } });
    expect((await ctx.h.request(`/v1/scripts/${name}/rollback`, { method: "POST", body: { version: 1 } })).status).toBe(200);
    expect((await invoke(name, { name: "ada" })).body).toMatchObject({ ok: true, result: "hi ada", script: { version: 1 } });
    expect((await ctx.h.request(`/v1/scripts/${name}`, { method: "DELETE" })).status).toBe(200);
    expect((await invoke(name, { name: "ada" })).status).toBe(404);
  });

  it("places a syntax error at its line and column", async () => {
    const out = await run(c.syntaxError);
    expect(out.error, JSON.stringify(out)).toMatchObject({ code: "syntax_error", ...c.syntax });
  });

  it("gives a guest error the line of the script's own frame, and no frame of Kiln's", async () => {
    const out = await run(c.guestError);
    expect(out.error, JSON.stringify(out)).toMatchObject({ code: "guest_error", line: 3 });
    expect(out.error.message).toMatch(/boom 1/);
    expect(JSON.stringify(out.error)).not.toMatch(/kiln_runner|prelude|<kiln>|=kiln/);
  });

  it("never answers an integer it cannot keep exactly", async () => {
    const out = await run(c.hugeInteger);
    expect(out.ok, JSON.stringify(out)).toBe(false);
    expect(out.error.code).toBe("guest_error");
  });

  if (!full) return;

  it("reads and writes kv through its generated binding, is refused http without a grant, and writes a log entry", async () => {
    const grants = { kv: { namespace: `capabilities-${language}` } };
    const out = (await ctx.h.post({ language, code: full.capabilities, grants, limits })).body;
    expect(out, JSON.stringify(out)).toMatchObject({ ok: true, result: ["hi", "capability_denied"] });
    expect(out.logs).toEqual([expect.objectContaining({ level: "info", message: "capabilities ran" })]);
    // The write reached the store: another run, in JavaScript, reads it.
    const peek = await ctx.h.post({ language: "javascript", code: `import { kv } from "kiln";\nexport default async () => [await kv.get("greeting"), await kv.list("", null)]`, grants });
    expect(peek.body).toMatchObject({ ok: true, result: ["hi", ["greeting"]] });
  });

  it("deploys without side effects: neither the top level nor main writes kv at deploy", async () => {
    const namespace = `deploy-check-${language}`;
    const grants = { kv: { namespace } };
    const peek = () =>
      ctx.h
        .post({ language: "javascript", code: `import { kv } from "kiln";\nexport default async () => [await kv.get("top"), await kv.get("count")]`, grants })
        .then((r) => r.body.result);
    const name = `counter-${language}`;
    const deployed = await deploy(name, full.counter, { grants });
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(201);
    expect(await peek()).toEqual([null, null]);
    expect((await invoke(name)).body).toMatchObject({ ok: true, result: 1 });
    expect((await invoke(name)).body).toMatchObject({ ok: true, result: 2 });
    expect(await peek()).toEqual(["ran", "2"]);
  });

  it("reads the host's clock, and time passes within a run", async () => {
    const before = Date.now() / 1000;
    const out = await run(full.clock, { limits: { fuel: maxFuel } });
    const after = Date.now() / 1000;
    expect(out.ok, JSON.stringify(out)).toBe(true);
    const [now, elapsed] = out.result as [number, number];
    expect(now).toBeGreaterThanOrEqual(Math.floor(before) - 1);
    expect(now).toBeLessThanOrEqual(after + 1);
    expect(elapsed).toBeGreaterThan(0.001);
    expect(elapsed).toBeLessThan(after - before + 0.5);
  });

  it("raises host errors as '<code>: <message>', with the code apart", async () => {
    const out = await run(full.caughtHostError);
    expect(out.result, JSON.stringify(out)).toEqual(["capability_denied", "capability_denied: kv is not granted to this run"]);
  });
});

describe("a language that needs more memory than the server allows", () => {
  it("is not served, and a run that names it is told why", async () => {
    const small = await appWith(ctx.pool, loadConfig({ KILN_MAX_MEMORY_MB: "64" }));
    const listed = (await small.request("/v1/languages")).body.languages.map((l: { name: string }) => l.name);
    expect(listed).not.toContain("ruby");
    expect(listed).toContain("python");
    const refused = await small.post({ language: "ruby", code: "def main(i) = 1" });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: "unsupported_language" });
    expect(refused.body.error.message).toMatch(/128 MiB.*64 MiB/);
    expect((await small.post({ language: "python", code: "def main(i):\n    return 1" })).body).toMatchObject({ ok: true, result: 1 });
  });
});
