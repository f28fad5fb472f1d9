/**
 * The same behaviours written in every language Kiln serves, each language's in its own folder
 * (languages/<name>/fixtures.ts). A language in the list without them fails here, and a language the
 * server runs without an entry fails `every-language.test.ts`.
 */
import { languages } from "../../languages/index.ts";

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
  /**
   * A script whose `main` makes `calls` in order, each as `kiln.<iface>.<fn>(...args)` written with the
   * WIT's names in the language's convention (see its binding.ts) and the arguments as literals, and
   * answers for each `["ok", value]` or `["err", code]` (the host error's code).
   */
  hostCalls: (calls: readonly HostCall[]) => string;
  /**
   * Through the generated binding: `kv.set("greeting", "hi")`, then answers
   * `[kv.get("greeting"), the code http.fetch("https://example.com/") raised]`, having written the log
   * entry `info` "capabilities ran".
   */
  capabilities: string;
  /** `main` answers the run's whole stdin as text. */
  stdinAll: string;
  /** `main` answers the run's stdin line by line as the language reads lines (without their line breaks) until end of file. */
  stdinLines: string;
  /** `main` answers the sum of the whitespace-separated integers on stdin (Lua: read with `io.read("n")`). */
  stdinNumbers: string;
  /** `main` answers the run's arguments (after the script's name, which Python and Lua also check is `script`). */
  args: string;
  /** Code that imports `util` (`double(n)`) and `lib/greeting` (`greet(name)`, itself importing `util`) from `files`: `main` answers `[42, "hi ada 2"]`. */
  importFiles: { code: string; files: { name: string; content: string }[] };
  /** Code that imports `util` from the files of `importFiles`: `main` answers 42. */
  importUtil: string;
}

/** One call of `hostCalls`: a WIT interface and function, by their WIT names, and the arguments as JSON values. */
export interface HostCall {
  iface: string;
  fn: string;
  args: readonly unknown[];
}


/** What every language has, expression languages (CEL) included: the rest need statements with effects. */
export type RuleCases = Pick<LanguageCases, "greet" | "greetAgain" | "syntaxError" | "syntax" | "guestError" | "hugeInteger">;

/**
 * A language folder's fixtures.ts: its cases, or, for an expression language, the ones it has and for
 * each other behaviour why it has none (`unsupported`). A folder serving several languages (cel and
 * cel++) exports `byLanguage`, each language's cases by name.
 */
type Fixtures = { cases: LanguageCases | RuleCases; unsupported?: Partial<Record<keyof LanguageCases, string>>; byLanguage?: Record<string, LanguageCases | RuleCases> };

const loaded = await Promise.all(
  languages
    .filter((l) => !("callerComponents" in l))
    .map(async (l) => {
      // Each language's folder is named after its first language: `cel++` lives in languages/cel/.
      const folder = /^[a-z0-9]+/.exec(l.language.name)![0];
      const fixtures = (await import(`../../languages/${folder}/fixtures.ts`)) as Fixtures;
      return { name: l.language.name, cases: fixtures.byLanguage?.[l.language.name] ?? fixtures.cases, unsupported: fixtures.unsupported };
    }),
);

/** Each general-purpose language's fixtures (callers' components have none: they bring their own code), by name. */
export const cases: Record<string, LanguageCases> = Object.fromEntries(loaded.filter((l) => !l.unsupported).map((l) => [l.name, l.cases as LanguageCases]));

/** The expression languages' fixtures (CEL): only the behaviours they have; `unsupportedBy` says why not the others. */
export const ruleCases: Record<string, RuleCases> = Object.fromEntries(loaded.filter((l) => l.unsupported).map((l) => [l.name, l.cases]));
export const unsupportedBy: Record<string, Partial<Record<keyof LanguageCases, string>>> = Object.fromEntries(loaded.filter((l) => l.unsupported).map((l) => [l.name, l.unsupported!]));

/** Every language's cases for what all of them have. */
export const allCases: Record<string, RuleCases> = { ...cases, ...ruleCases };
