/**
 * CEL's and CEL++'s conformance fixtures: the behaviours of test/languages/cases.ts that an expression
 * language has. CEL has no statements with effects, so the others are listed in `unsupported` with the
 * reason, rather than written as code that would only fail. test/languages/every-language.test.ts runs
 * these with every language's, and checks that each behaviour left out has its reason.
 */

/** `cel`: one expression each; the input's fields are its variables. */
export const cases = {
  greet: `'hi ' + name`,
  greetAgain: `'hello ' + name`,
  syntaxError: `1 +\n  (2`,
  syntax: { line: 2, column: 5 },
  // An evaluation error on line 3 whose message carries "boom 1".
  guestError: `// a map without the key\n[{'a': 1}]\n  .map(m, m['boom 1'])`,
  hugeInteger: `9223372036854775807`,
};

/** `cel++`: the same behaviours as YAML statements. */
export const celppCases = {
  greet: `statements:\n  - return: "'hi ' + name"`,
  greetAgain: `statements:\n  - context: greeting := 'hello '\n  - return: context.greeting + name`,
  syntaxError: `statements:\n  - context: a := 1 +`,
  syntax: { line: 2, column: 22 },
  guestError: `statements:\n  - context: "m := {'a': 1}"\n  - return: context.m['boom 1']`,
  hugeInteger: `statements:\n  - return: 9223372036854775807`,
};

/** The shared cases neither form has, and why. */
export const unsupported = {
  counter: "CEL has no top level and no effects: a rule cannot write kv",
  capabilities: "CEL rules cannot call the host's kv, http or log",
  hostCalls: "CEL rules cannot call the host's interfaces",
  caughtHostError: "CEL has no host calls, and no way to catch an error",
  clock: "CEL has no clock (`now` is not part of the language) and no loops to time",
  stdinAll: "a CEL rule's only input is the request's `input`",
  stdinLines: "a CEL rule's only input is the request's `input`",
  stdinNumbers: "a CEL rule's only input is the request's `input`",
  args: "a CEL rule's only input is the request's `input`",
  importFiles: "CEL has no modules to import",
  importUtil: "CEL has no modules to import",
} as const;

/** Each language's fixtures by its name, for a loader that finds both in this one folder. */
export const byLanguage = { cel: cases, "cel++": celppCases } as const;
