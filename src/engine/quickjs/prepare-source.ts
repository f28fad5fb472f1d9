import type { LanguageDescription } from "../engine.ts";
import type { GuestError } from "../../errors.ts";
import type { RunFile } from "../../limits/run-inputs.ts";
import type { GuestLibraries, PreparedModule } from "./run-modules.ts";
import { tooDeep } from "./nesting.ts";
import { SourcePositions, type Position } from "./source-positions.ts";
import { TYPESCRIPT_FILE, type TypeScriptTranspiler } from "./typescript-transpiler.ts";

/** What a JavaScript run's source is called in stack frames. */
export const JAVASCRIPT_FILE = "script.js";

/** Source ready for QuickJS: plain JavaScript, whether it is an ES module or a classic script, and where it came from. */
export interface PreparedSource {
  code: string;
  kind: "module" | "script";
  /** The name QuickJS evaluates it under, which stack frames show: script.js, or script.ts. */
  fileName: string;
  /** Maps a position in `code` to the caller's source; absent when `code` is the caller's source. */
  positions?: { toSource(p: Position): Position | undefined };
  /**
   * Why the caller's source could not be made into JavaScript: a syntax error, or transpiling ran past
   * the run's deadline. Reported from a sandbox like an error QuickJS finds, so usage is the same.
   */
  error?: GuestError;
  /** The run's files its code may import (TypeScript ones transpiled); absent when it has none. */
  modules?: PreparedModule[];
  /** The libraries its code may import by bare name (the engine adds its language's). */
  libraries?: GuestLibraries;
}

/**
 * How a language QuickJS runs becomes JavaScript: its folder's driver. `transpiler` is the engine's
 * TypeScript transpiler (esbuild, native or wasm, per adapter); `timeoutMs` is the run's deadline.
 */
export interface SourceDriver {
  prepare(code: string, options: { kind?: PreparedSource["kind"]; timeoutMs: number; transpiler: TypeScriptTranspiler; files?: readonly RunFile[] }): PreparedSource | Promise<PreparedSource>;
}

/** A file name QuickJS can import as TypeScript: it is transpiled first. */
const TYPESCRIPT_MODULE = /\.(?:ts|mts|cts)$/;

/**
 * `source` with the run's files it may import: JavaScript as it is, TypeScript (`.ts`, `.mts`, `.cts`)
 * transpiled by `transpile` within the deadline. A file that does not transpile fails the run as a
 * syntax error that names it (its line and column are the file's, so the error's own are left out).
 */
export async function withModules(source: PreparedSource, files: readonly RunFile[] | undefined, transpile: TypeScriptTranspiler, options: { timeoutMs: number }): Promise<PreparedSource> {
  if (!files?.length || source.error) return source;
  const modules: PreparedModule[] = [];
  for (const file of files) {
    if (!TYPESCRIPT_MODULE.test(file.name)) {
      modules.push({ name: file.name, code: file.content });
      continue;
    }
    const deep = tooDeep(file.content, MAX_TYPESCRIPT_NESTING);
    const out = deep ? { syntaxError: { message: `brackets nested more than ${MAX_TYPESCRIPT_NESTING} deep`, ...deep } } : await transpile(file.content, { timeoutMs: options.timeoutMs });
    if ("timedOut" in out) {
      return { ...source, error: { code: "timeout", message: `The script ran past its deadline (${options.timeoutMs} ms) while its TypeScript was transpiled` } };
    }
    if ("syntaxError" in out) {
      const { message, line, column } = out.syntaxError;
      const where = line === undefined ? "" : ` (${file.name} line ${line}${column ? `, column ${column}` : ""})`;
      return { ...source, error: { code: "syntax_error", message: `SyntaxError in ${file.name}: ${message}${where}` } };
    }
    modules.push({ name: file.name, code: out.code });
  }
  return { ...source, modules };
}

/** A language QuickJS runs, as its folder describes it. */
export interface QuickJSLanguageDescriptor {
  readonly engine: "quickjs";
  readonly language: LanguageDescription;
  readonly driver: SourceDriver;
  /**
   * The libraries its code may import by bare name (`language.libraries` lists them): their bundled
   * ES module source, by name, or the name of another language whose libraries it shares.
   */
  readonly libraryModules?: (() => Promise<Readonly<Record<string, string>>>) | { readonly sameAs: string };
  /** Code a new worker checks before it takes jobs, to load what the language's first run would otherwise pay for. */
  readonly warmUp?: string;
}

/** Brackets TypeScript may nest before esbuild sees it (QuickJS stops at about this many levels anyway). */
export const MAX_TYPESCRIPT_NESTING = 1000;

/** A line that starts with `export`, or with a static `import` (not `import(` or `import.meta`). */
const MODULE_SYNTAX = /^[ \t]*(?:export\b|import\s*[\w{*"'])/m;
/** The same in TypeScript, where `export =` and `import x = require(…)` are CommonJS, not module syntax. */
const TS_MODULE_SYNTAX = /^[ \t]*(?:export\b(?!\s*=)|import\s*(?:[{*"']|type\b|[\w$]+\s*(?:,|from\b)))/m;

/**
 * JavaScript as the caller wrote it, evaluated as the `kind` the caller gave; without one, code with a
 * top-level `import`/`export` line is a module, anything else a classic script that may assign
 * `module.exports` (a guess a line such as `  import x from …` inside a template literal can fool).
 */
export function prepareSource(code: string, kind?: PreparedSource["kind"]): PreparedSource {
  return { code, kind: kind ?? (MODULE_SYNTAX.test(code) ? "module" : "script"), fileName: JAVASCRIPT_FILE };
}

/**
 * TypeScript turned into JavaScript by `transpile`, with positions mapped back through its source
 * map. It is a module when the TypeScript is one: a file whose imports are all types stays a module
 * (top-level await keeps working) though its JavaScript imports nothing. A source that does not
 * compile gives a syntax error at its place in the TypeScript, reported by the run like any other;
 * so does one nested deeper than esbuild (outside the sandbox) should be asked to parse. Transpiling
 * gets the run's deadline: one still going at `timeoutMs` is stopped, and the run is a timeout.
 */
export async function prepareTypeScript(code: string, transpile: TypeScriptTranspiler, options: { timeoutMs: number; kind?: PreparedSource["kind"] }): Promise<PreparedSource> {
  const deep = tooDeep(code, MAX_TYPESCRIPT_NESTING);
  const out = deep
    ? { syntaxError: { message: `brackets nested more than ${MAX_TYPESCRIPT_NESTING} deep`, ...deep } }
    : await transpile(code, { timeoutMs: options.timeoutMs });
  const failed = (error: GuestError): PreparedSource => ({ code: "", kind: "script", fileName: TYPESCRIPT_FILE, error });
  if ("timedOut" in out) {
    return failed({ code: "timeout", message: `The script ran past its deadline (${options.timeoutMs} ms) while its TypeScript was transpiled` });
  }
  if ("syntaxError" in out) {
    const { message, line, column } = out.syntaxError;
    const where = line === undefined ? "" : ` (line ${line}${column ? `, column ${column}` : ""})`;
    return failed({ code: "syntax_error", message: `SyntaxError: ${message}${where}`, ...(line !== undefined && { line }), ...(column !== undefined && { column }) });
  }
  const kind = options.kind ?? (TS_MODULE_SYNTAX.test(code) || MODULE_SYNTAX.test(out.code) ? "module" : "script");
  // Read the source map only when an error needs it.
  let map: SourcePositions | undefined;
  const positions = { toSource: (p: Position) => (map ??= new SourcePositions({ generated: out.code, source: code, map: out.map })).toSource(p) };
  return { code: out.code, kind, fileName: TYPESCRIPT_FILE, positions };
}
