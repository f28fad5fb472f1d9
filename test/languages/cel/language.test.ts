/**
 * `cel` and `cel++` (languages/cel/) on the real QuickJS engine: the standard macros, timestamps,
 * durations and strings, the JSON form of CEL values, CEL++'s statements and scopes, errors at their
 * place in the rule, the run's limits, and a rule deployed once and invoked by name through the app.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QuickJSEngine } from "../../../src/engine/quickjs/quickjs-engine.ts";
import type { RequestedLimits } from "../../../src/limits/run-limits.ts";
import { appWith, coreEngine, job, testConfig } from "../../helpers/fixtures.ts";

const maxFuel = testConfig.maxima.fuel;

let engine: QuickJSEngine;
beforeAll(async () => {
  engine = await coreEngine();
});
afterAll(() => engine.dispose());

const run = (language: string, code: string, input?: unknown, limits?: RequestedLimits) => engine.run(job(language, code, { input, limits }));
const value = async (language: string, code: string, input?: unknown) => {
  const out = await run(language, code, input);
  expect(out.ok, JSON.stringify(out)).toBe(true);
  return out.ok ? out.result : undefined;
};
const failure = async (language: string, code: string, input?: unknown, limits?: RequestedLimits) => {
  const out = await run(language, code, input, limits);
  expect(out.ok, JSON.stringify(out)).toBe(false);
  return out.ok ? undefined : out.error;
};

describe("cel", () => {
  it("binds the input's fields as variables, and `input` to the whole input", async () => {
    const user = { age: 30, country: "DE" };
    expect(await value("cel", "user.age >= 18 && user.country in ['DE','FR']", { user })).toBe(true);
    expect(await value("cel", "user.age >= 18 && user.country in ['DE','FR']", { user: { ...user, country: "US" } })).toBe(false);
    expect(await value("cel", "input * 2", 21)).toBe(42);
    expect(await value("cel", "input.size()", [1, 2, 3])).toBe(3);
    // Integral JSON numbers are ints, others doubles.
    expect(await value("cel", "[type(n), type(x), n + 1, x * 2.0]", { n: 41, x: 1.5 })).toEqual(["int", "double", 42, 3]);
  });

  it("has the standard macros", async () => {
    const input = { xs: [1, 2, 3, 4], user: { name: "ada" } };
    expect(await value("cel", "[xs.all(x, x > 0), xs.exists(x, x > 3), xs.exists_one(x, x == 2), xs.map(x, x * x), xs.filter(x, x % 2 == 0)]", input)).toEqual([
      true,
      true,
      true,
      [1, 4, 9, 16],
      [2, 4],
    ]);
    expect(await value("cel", "[has(user.name), has(user.email)]", input)).toEqual([true, false]);
  });

  it("has timestamps and durations", async () => {
    expect(await value("cel", "timestamp('2024-01-31T23:30:00Z') + duration('1h30m')")).toBe("2024-02-01T01:00:00Z");
    expect(await value("cel", "timestamp(t).getFullYear()", { t: "2024-05-06T07:08:09.5Z" })).toBe(2024);
    expect(await value("cel", "timestamp('2024-01-02T00:00:00Z') - timestamp('2024-01-01T00:00:00Z')")).toBe("86400s");
    expect(await value("cel", "[duration('1.5s'), duration('-90m')]")).toEqual(["1.500s", "-5400s"]);
    expect(await value("cel", "timestamp('2024-01-01T00:00:00Z') < timestamp('2024-06-01T00:00:00Z')")).toBe(true);
    // Time zones are UTC or fixed offsets: QuickJS has no tz data, and a zone name is refused rather than read as UTC.
    expect(await value("cel", "[timestamp(t).getHours(), timestamp(t).getHours('-05:00'), timestamp(t).getMinutes('+05:30')]", { t: "2024-01-15T14:30:00Z" })).toEqual([14, 9, 0]);
    expect((await failure("cel", "timestamp(t).getHours('America/New_York')", { t: "2024-01-15T14:30:00Z" }))!.message).toMatch(/fixed offset/);
  });

  it("has string functions", async () => {
    expect(await value("cel", "[s.startsWith('he'), s.endsWith('lo'), s.contains('ell'), s.matches('^h.*o$'), s.size(), s.upperAscii(), s.replace('l', 'L'), s.split('l'), s.substring(1, 3), s.indexOf('l'), s.charAt(1), s.reverse(), ' x '.trim(), ['a', 'b'].join('-')]", { s: "hello" })).toEqual([
      true,
      true,
      true,
      true,
      5,
      "HELLO",
      "heLLo",
      ["he", "", "o"],
      "el",
      2,
      "e",
      "olleh",
      "x",
      "a-b",
    ]);
  });

  it("answers CEL values as JSON: bytes as base64, uints and ints as numbers, map keys as text, types by name", async () => {
    expect(await value("cel", "[b'hi', 3u, -7, 2.5, null, type('x'), {1: 'a', true: 'b', 'k': [1.0]}]")).toEqual(["aGk=", 3, -7, 2.5, null, "string", { "1": "a", true: "b", k: [1] }]);
    expect(await value("cel", "[1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0]")).toEqual(["Infinity", "-Infinity", "NaN"]);
    expect(await value("cel", "9007199254740991")).toBe(9007199254740991);
  });

  it("refuses an integer a JSON number cannot hold exactly", async () => {
    for (const code of ["9223372036854775807", "[18446744073709551615u]"]) {
      const error = await failure("cel", code);
      expect(error).toMatchObject({ code: "guest_error" });
      expect(error!.message).toMatch(/cannot hold exactly/);
    }
  });

  it("places a syntax error at its line and column", async () => {
    expect(await failure("cel", "1 +\n  (2")).toMatchObject({ code: "syntax_error", line: 2, column: 5, message: expect.stringMatching(/^SyntaxError: /) });
  });

  it("gives a type error and an evaluation error the rule's line and column, and no frame of the bundle", async () => {
    const typed = await failure("cel", "\n  1 + 'a'");
    expect(typed).toMatchObject({ code: "guest_error", line: 2, column: 3, message: "TypeError: no such overload: int + string" });
    const evaluated = await failure("cel", "x.a\n  / x.b", { x: { a: 1, b: 0 } });
    expect(evaluated).toMatchObject({ code: "guest_error", message: "EvaluationError: division by zero", line: 1 });
    expect(evaluated!.stack).toMatch(/^ {4}at <cel> \(rule\.cel:1:\d+\)\n$/);
    expect((await failure("cel", "missing + 1"))!.message).toMatch(/missing/);
  });

  it("runs under the run's fuel, memory cap and deadline", async () => {
    const explode = "[0,1,2,3,4,5,6,7,8,9].map(a, [0,1,2,3,4,5,6,7,8,9].map(b, [0,1,2,3,4,5,6,7,8,9].map(c, [0,1,2,3,4,5,6,7,8,9].map(d, [0,1,2,3,4,5,6,7,8,9].map(e, a + b + c + d + e)))))";
    expect(await failure("cel", explode, null, { fuel: 20 })).toMatchObject({ code: "fuel_exhausted" });
    expect(await failure("cel", explode, null, { fuel: maxFuel, timeoutMs: 100 })).toMatchObject({ code: "timeout" });
    const big = "[0,1,2,3,4,5,6,7,8,9].map(a, [0,1,2,3,4,5,6,7,8,9].map(b, [0,1,2,3,4,5,6,7,8,9].map(c, [0,1,2,3,4,5,6,7,8,9].map(d, s + s + s + s))))";
    expect((await failure("cel", big, { s: "x".repeat(100_000) }, { memoryMb: 16, fuel: 1_000_000, timeoutMs: 30_000 }))!.code).toMatch(/^(memory_exhausted|guest_error)$/);
  });
});

const ADULT = `statements:
  - context: age := user.age
  - if:
      match: context.age >= 18
      block:
        - context: tier := "adult"
        - if:
            match: user.country in ['DE', 'FR']
            block:
              - context: tier = context.tier + "-eu"
        - return: context.tier
      elsifs:
        - match: context.age >= 13
          block:
            - return: "'teen'"
      else:
        - return: "'child'"
  - return: "'unreachable'"
`;

describe("cel++", () => {
  it("runs context assignments, nested if/elsifs/else, and return", async () => {
    expect(await value("cel++", ADULT, { user: { age: 30, country: "FR" } })).toBe("adult-eu");
    expect(await value("cel++", ADULT, { user: { age: 30, country: "US" } })).toBe("adult");
    expect(await value("cel++", ADULT, { user: { age: 15, country: "US" } })).toBe("teen");
    expect(await value("cel++", ADULT, { user: { age: 5, country: "US" } })).toBe("child");
  });

  it("scopes a block's variables to it, lets `=` reach a parent's, and answers null without a return", async () => {
    const scoped = `statements:
  - context: n := 1
  - block:
      - context: m := 10
      - context: n = context.n + context.m
  - return: "[context.n, has(context.m)]"`;
    expect(await value("cel++", scoped)).toEqual([11, false]);
    expect(await value("cel++", "statements:\n  - context: n := 1")).toBeNull();
    expect(await failure("cel++", "statements:\n  - context: n = 1")).toMatchObject({ code: "guest_error", line: 2 });
  });

  it("writes `debug` lines to stdout", async () => {
    const out = await run("cel++", "statements:\n  - debug: \"'n is ' + string(n)\"\n  - debug: \"{'n': n}\"\n  - return: n", { n: 3 });
    expect(out).toMatchObject({ ok: true, result: 3, stdout: 'n is 3\n{"n":3}\n' });
  });

  it("makes a document that is not valid YAML a syntax error with its line and column", async () => {
    const error = await failure("cel++", "statements:\n  - return: 1\n   - return: [2");
    expect(error).toMatchObject({ code: "syntax_error", line: expect.any(Number), column: expect.any(Number) });
    expect(error!.message).toMatch(/^SyntaxError: YAML: /);
    expect(await failure("cel++", "statements:\n  - retrun: 1")).toMatchObject({ code: "syntax_error", line: 2, column: 5 });
    expect(await failure("cel++", "rules: []")).toMatchObject({ code: "syntax_error", line: 1 });
  });

  it("places a CEL error inside the YAML at its line and column in the document", async () => {
    expect(await failure("cel++", "statements:\n  - context: a := 1 +\n")).toMatchObject({ code: "syntax_error", line: 2, column: 22 });
    expect(await failure("cel++", "statements:\n  - return: 1 / x\n", { x: 0 })).toMatchObject({ code: "guest_error", line: 2, column: 13, message: "EvaluationError: division by zero" });
    expect(await failure("cel++", "statements:\n  - if:\n      match: 1\n      block: []")).toMatchObject({ code: "guest_error", line: 3 });
  });
});

describe("deployed", () => {
  it("deploys a cel and a cel++ rule once and invokes them by name", async () => {
    const h = await appWith(engine);
    const deploy = (name: string, language: string, code: string) => h.request(`/v1/scripts/${name}`, { method: "PUT", body: { language, code } });
    const invoke = (name: string, input: unknown) => h.request(`/v1/scripts/${name}/invoke`, { method: "POST", body: input });
    expect((await deploy("adult", "cel", "user.age >= 18 && user.country in ['DE','FR']")).status).toBe(201);
    expect((await invoke("adult", { user: { age: 30, country: "DE" } })).body).toMatchObject({ ok: true, result: true, script: { name: "adult", version: 1 } });
    expect((await invoke("adult", { user: { age: 12, country: "DE" } })).body).toMatchObject({ ok: true, result: false });
    expect((await deploy("tier", "celpp", ADULT)).status).toBe(201);
    expect((await invoke("tier", { user: { age: 15, country: "FR" } })).body).toMatchObject({ ok: true, result: "teen" });
    // A rule that does not parse is refused at deploy, as code that does not compile is.
    const bad = await deploy("broken", "cel", "user.age >=");
    expect(bad.status, JSON.stringify(bad.body)).toBe(400);
    const badYaml = await deploy("broken-yaml", "cel++", "statements:\n  - return: [1");
    expect(badYaml.status, JSON.stringify(badYaml.body)).toBe(400);
  });
});
