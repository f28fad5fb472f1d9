/**
 * The same behaviours written in every language Kiln serves. A language added to the server without
 * an entry here fails `every-language.test.ts`, so adding a language means adding its cases.
 */
export interface LanguageCases {
  /** A handler that reads its input: `main({name})` answers `"hi " + name`. */
  greet: string;
  /** The same handler, answering `"hello " + name` (a second version to roll forward and back). */
  greetAgain: string;
  /**
   * Writes `kv` "top" = "ran" at its top level, and its `main` counts invocations in `kv` "count",
   * answering the new count.
   */
  counter: string;
  /** `main` answers `[wall clock in seconds since the epoch, seconds elapsed over a busy loop]`. */
  clock: string;
  /** Does not parse; the error is at `syntax`. */
  syntaxError: string;
  syntax: { line: number; column: number };
  /** `main` raises an error on line 3. */
  guestError: string;
  /** `main` answers an integer that a double cannot hold exactly (2^64, or Lua's 2^63 - 1). */
  hugeInteger: string;
  /** `main` answers a host error caught as the language catches errors: `[code, message]`. */
  caughtHostError: string;
}

export const cases: Record<string, LanguageCases> = {
  javascript: {
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
  },
  typescript: {
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
  },
  python: {
    greet: `def main(i):\n    return "hi " + i["name"]`,
    greetAgain: `def main(i):\n    return "hello " + i["name"]`,
    counter: `import kiln
kiln.kv.set("top", "ran")
def main(i):
    n = int(kiln.kv.get("count") or 0) + 1
    kiln.kv.set("count", str(n))
    return n`,
    clock: `import datetime, time
def main(i):
    t0 = time.monotonic()
    s = sum(range(300000))
    return [datetime.datetime.now(datetime.timezone.utc).timestamp(), time.monotonic() - t0]`,
    syntaxError: `a = 1\nb = = 2`,
    syntax: { line: 2, column: 5 },
    guestError: `def main(i):\n    x = 1\n    raise ValueError("boom %d" % x)`,
    hugeInteger: `def main(i):\n    return 2 ** 64`,
    caughtHostError: `import kiln
def main(i):
    try:
        kiln.kv.get("a")
    except kiln.HostError as e:
        return [e.code, str(e)]`,
  },
  lua: {
    greet: `function main(i) return "hi " .. i.name end`,
    greetAgain: `function main(i) return "hello " .. i.name end`,
    counter: `kiln.kv.set("top", "ran")
function main(i)
  local n = tonumber(kiln.kv.get("count") or "0") + 1
  kiln.kv.set("count", tostring(n))
  return n
end`,
    clock: `function main(i)
  local c0 = os.clock()
  local x = 0
  for k = 1, 300000 do x = x + k end
  return { os.time(), os.clock() - c0 }
end`,
    syntaxError: `local a = 1\nlocal b = = 2`,
    syntax: { line: 2, column: 11 },
    guestError: `function main(i)\n  local x = 1\n  error("boom " .. x)\nend`,
    hugeInteger: `function main(i) return math.maxinteger end`,
    caughtHostError: `function main(i)
  local ok, err = pcall(kiln.kv.get, "a")
  return { err:match("^(%a[%w_]*): "), err }
end`,
  },
  ruby: {
    greet: `def main(i) = "hi " + i["name"]`,
    greetAgain: `def main(i) = "hello " + i["name"]`,
    counter: `Kiln::KV.set("top", "ran")
def main(i)
  n = (Kiln::KV.get("count") || "0").to_i + 1
  Kiln::KV.set("count", n.to_s)
  n
end`,
    clock: `def main(i)
  t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  x = 0
  300000.times { |k| x += k }
  [Time.now.to_f, Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0]
end`,
    syntaxError: `a = 1\nb = = 2`,
    // Prism's first complaint: "expected an expression after `=`", at the first `=`.
    syntax: { line: 2, column: 3 },
    guestError: `def main(i)\n  x = 1\n  raise "boom #{x}"\nend`,
    hugeInteger: `def main(i) = 2 ** 64`,
    caughtHostError: `def main(i)
  Kiln::KV.get("a")
rescue Kiln::HostError => e
  [e.code, e.message]
end`,
  },
};
