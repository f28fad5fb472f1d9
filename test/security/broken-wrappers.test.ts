/**
 * Ruby's wrapper encodes a result with the guest's own JSON.generate, which a script can replace: a
 * broken or forged answer is the script's guest_error, never a host error, and the next run is clean.
 * (Lua's encoder holds its own references; Python's runner too.)
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ComponentEngine } from "../../src/engine/component/component-engine.ts";
import { componentEngine, job } from "../helpers/fixtures.ts";

let engine: ComponentEngine;
beforeAll(async () => {
  engine = await componentEngine();
});
afterAll(() => engine.dispose());

const limits = { timeoutMs: 30_000 };
const cases: [string, string][] = [
  ["ruby", `module JSON; def self.generate(*) = '1,"x":2'; end\ndef main(i) = 1`],
  ["ruby", `module JSON; def self.generate(*) = '}{'; end\ndef main(i) = 1`],
];

it.each(cases)("%s: a script that breaks the wrapper's encoder gets a guest_error", async (language, code) => {
  const out = await engine.run(job(language, code, { limits }));
  expect(out.ok ? out : out.error.code, JSON.stringify(out)).toBe("guest_error");
  const next = await engine.run(job(language, "def main(i) = [1, 2**53]", { limits }));
  expect(next).toMatchObject({ ok: true, result: [1, 2 ** 53] });
});
