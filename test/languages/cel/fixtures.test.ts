/**
 * languages/cel/fixtures.ts through the real app, as test/languages/every-language.test.ts runs every
 * language's: a handler deployed, invoked, rolled forward and back; a syntax error at its line and
 * column; a guest error on line 3; an integer JSON cannot hold. For `cel` and `cel++` (and its alias).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QuickJSEngine } from "../../../src/engine/quickjs/quickjs-engine.ts";
import { appWith, coreEngine } from "../../helpers/fixtures.ts";
import { cases, celppCases, unsupported } from "../../../languages/cel/fixtures.ts";

const ctx = {} as { engine: QuickJSEngine; h: Awaited<ReturnType<typeof appWith>> };
beforeAll(async () => {
  ctx.engine = await coreEngine();
  ctx.h = await appWith(ctx.engine);
});
afterAll(() => ctx.engine.dispose());

it("lists both languages with their library versions, and says why the other shared cases do not apply", async () => {
  const { body } = await ctx.h.request("/v1/languages");
  const byName = Object.fromEntries((body.languages as { name: string }[]).map((l) => [l.name, l]));
  expect(byName.cel).toMatchObject({ engine: "quickjs", libraries: [{ name: "@marcbachmann/cel-js", version: expect.stringMatching(/^\d+\.\d+\.\d+$/) }] });
  expect(byName["cel++"]).toMatchObject({ aliases: ["celpp"], libraries: [{ name: "@marcbachmann/cel-js" }, { name: "yaml" }] });
  for (const reason of Object.values(unsupported)) expect(reason).toMatch(/CEL/);
});

describe.each([
  ["cel", cases],
  ["cel++", celppCases],
  ["celpp", celppCases],
] as const)("%s", (language, c) => {
  const run = (code: string) => ctx.h.post({ language, code }).then((r) => r.body);
  const deploy = (name: string, code: string) => ctx.h.request(`/v1/scripts/${name}`, { method: "PUT", body: { language, code } });
  const invoke = (name: string, input?: unknown) => ctx.h.request(`/v1/scripts/${name}/invoke`, { method: "POST", body: input });

  it("deploys a handler that reads its input, invokes it, rolls forward and back", async () => {
    const name = `greet-${language.replace(/\+/g, "p")}`;
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

  it("gives a guest error the line of the rule, and no frame of Kiln's", async () => {
    const out = await run(c.guestError);
    expect(out.error, JSON.stringify(out)).toMatchObject({ code: "guest_error", line: 3 });
    expect(out.error.message).toMatch(/boom 1/);
    expect(JSON.stringify(out.error)).not.toMatch(/KilnCel|prelude|<kiln>|=kiln/);
  });

  it("never answers an integer it cannot keep exactly", async () => {
    const out = await run(c.hugeInteger);
    expect(out.ok, JSON.stringify(out)).toBe(false);
    expect(out.error.code).toBe("guest_error");
  });
});
