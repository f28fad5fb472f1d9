/**
 * JavaScript's conformance fixtures: the behaviours every language shows (test/languages/cases.ts
 * says what each one must do). test/languages/every-language.test.ts runs them for every language in
 * languages/index.ts, so a new language's folder needs its own.
 */
import { camelCase } from "../../src/capabilities/wit-codegen.ts";

/** `from "<path>"` for an import in a fixture (written so that the layer check does not read it as this file's own import). */
const from = (path: string) => `from "${path}"`;

export const cases = {
  greet: `export default (input) => "hi " + input.name`,
  greetAgain: `export default (input) => "hello " + input.name`,
  counter: `import { kv } from "kiln";
await kv.set("top", "ran");
export default async () => {
  const n = Number((await kv.get("count")) ?? 0) + 1;
  await kv.set("count", String(n));
  return n;
};`,
  clock: `export default () => {
  const t0 = Date.now();
  let x = 0;
  for (let i = 0; i < 2e6; i++) x += i;
  return [Date.now() / 1000, (Date.now() - t0) / 1000];
};`,
  syntaxError: `const a = 1;\nconst b = = 2;`,
  syntax: { line: 2, column: 11 },
  guestError: `export default () => {\n  const x = 1;\n  throw new Error("boom " + x);\n};`,
  hugeInteger: `export default () => 2n ** 64n`,
  caughtHostError: `import { kv } from "kiln";
export default async () => {
  try { await kv.get("a"); } catch (e) { return [e.code, e.message]; }
};`,
  hostCalls: (calls: readonly { iface: string; fn: string; args: readonly unknown[] }[]) => `import * as kiln from "kiln";
const attempt = async (f) => { try { return ["ok", await f()]; } catch (e) { return ["err", e.code]; } };
export default async () => [
${calls.map((c) => `  await attempt(() => kiln.${camelCase(c.iface)}.${camelCase(c.fn)}(${c.args.map((a) => JSON.stringify(a)).join(", ")})),`).join("\n")}
];`,
  capabilities: `import { kv, http, log } from "kiln";
export default async () => {
  await kv.set("greeting", "hi");
  const value = await kv.get("greeting");
  let denied = null;
  try { await http.fetch("https://example.com/"); } catch (e) { denied = e.code; }
  log.write("info", "capabilities ran");
  return [value, denied];
};`,
  stdinAll: `export default () => readStdin();`,
  stdinLines: `const lines = readStdin().split("\\n");
if (lines.at(-1) === "") lines.pop();
export default () => lines;`,
  stdinNumbers: `export default () => readStdin().split(/\\s+/).filter(Boolean).reduce((sum, x) => sum + Number(x), 0);`,
  args: `export default (input, ctx) => ctx.args;`,
  importFiles: {
    code: `import { double } ${from("./util.js")};
import { greet } ${from("./lib/greeting.js")};
export default () => [double(21), greet("ada")];`,
    files: [
      { name: "util.js", content: `export const double = (n) => n * 2;` },
      { name: "lib/greeting.js", content: `import { double } ${from("../util.js")};\nexport const greet = (name) => "hi " + name + " " + double(1);` },
    ],
  },
  importUtil: `import { double } ${from("./util.js")};\nexport default () => double(21);`,
};
