/**
 * TypeScript's conformance fixtures: the behaviours every language shows (test/languages/cases.ts
 * says what each one must do). test/languages/every-language.test.ts runs them for every language in
 * languages/index.ts, so a new language's folder needs its own.
 */
import { camelCase } from "../../src/capabilities/wit-codegen.ts";

export const cases = {
  greet: `export default (input: { name: string }): string => "hi " + input.name`,
  greetAgain: `export default (input: { name: string }): string => "hello " + input.name`,
  counter: `import { kv } from "kiln";
await kv.set("top", "ran");
export default async (): Promise<number> => {
  const n: number = Number((await kv.get("count")) ?? 0) + 1;
  await kv.set("count", String(n));
  return n;
};`,
  clock: `export default (): number[] => {
  const t0: number = Date.now();
  let x = 0;
  for (let i = 0; i < 2e6; i++) x += i;
  return [Date.now() / 1000, (Date.now() - t0) / 1000];
};`,
  syntaxError: `const a: number = 1;\nconst b: number = = 2;`,
  syntax: { line: 2, column: 19 },
  guestError: `export default (): never => {\n  const x: number = 1;\n  throw new Error("boom " + x);\n};`,
  hugeInteger: `export default (): bigint => 2n ** 64n`,
  caughtHostError: `import { kv } from "kiln";
export default async (): Promise<unknown> => {
  try { await kv.get("a"); } catch (e: any) { return [e.code, e.message]; }
};`,
  hostCalls: (calls: readonly { iface: string; fn: string; args: readonly unknown[] }[]) => `import * as kiln from "kiln";
const attempt = async (f: () => unknown): Promise<unknown[]> => { try { return ["ok", await f()]; } catch (e: any) { return ["err", e.code]; } };
export default async (): Promise<unknown[][]> => [
${calls.map((c) => `  await attempt(() => kiln.${camelCase(c.iface)}.${camelCase(c.fn)}(${c.args.map((a) => JSON.stringify(a)).join(", ")})),`).join("\n")}
];`,
  capabilities: `import { kv, http, log } from "kiln";
export default async (): Promise<[string | null, string | null]> => {
  await kv.set("greeting", "hi");
  const value: string | null = await kv.get("greeting");
  let denied: string | null = null;
  try { await http.fetch("https://example.com/"); } catch (e: any) { denied = e.code; }
  log.write("info", "capabilities ran");
  return [value, denied];
};`,
};
