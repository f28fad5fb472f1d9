/**
 * TypeScript's conformance fixtures: the behaviours every language shows (test/languages/cases.ts
 * says what each one must do). test/languages/every-language.test.ts runs them for every language in
 * languages/index.ts, so a new language's folder needs its own.
 */
import { camelCase } from "../../src/capabilities/wit-codegen.ts";

/** `from "<path>"` for an import in a fixture (written so that the layer check does not read it as this file's own import). */
const from = (path: string) => `from "${path}"`;

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
  stdinAll: `export default (): string => readStdin();`,
  stdinLines: `const lines: string[] = readStdin().split("\\n");
if (lines.at(-1) === "") lines.pop();
export default (): string[] => lines;`,
  stdinNumbers: `export default (): number => readStdin().split(/\\s+/).filter(Boolean).reduce((sum: number, x: string) => sum + Number(x), 0);`,
  args: `export default (input: unknown, ctx: { args: string[] }): string[] => ctx.args;`,
  importFiles: {
    code: `import { double } ${from("./util")};
import { greet } ${from("./lib/greeting.js")};
export default (): [number, string] => [double(21), greet("ada")];`,
    files: [
      { name: "util.ts", content: `export const double = (n: number): number => n * 2;` },
      { name: "lib/greeting.ts", content: `import { double } ${from("../util.ts")};\nexport const greet = (name: string): string => "hi " + name + " " + double(1);` },
    ],
  },
  importUtil: `import { double } ${from("./util")};\nexport default (): number => double(21);`,
};
