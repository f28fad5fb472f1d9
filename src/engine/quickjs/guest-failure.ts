import type { GuestError } from "../../errors.ts";
import type { PreparedSource } from "./prepare-source.ts";
import type { Position } from "./source-positions.ts";

/** A thrown value as the guest's prelude describes it: plain data. */
export interface Described {
  name?: string;
  message: string;
  stack?: string;
  line?: number;
  column?: number;
}

/** Where errors point: the name the script was evaluated under, the way back to the caller's source, and the code evaluated. */
export type ErrorSource = Pick<PreparedSource, "fileName" | "positions" | "modules" | "libraries"> & { code?: string };

/** One line of a QuickJS stack: `    at f (file:2:7)`, `    at file:2:7`, or `    at parse (native)`. */
const FRAME = /^(\s*at (?:.*? \()?)([^\s()]+):(\d+):(\d+)(\)?)\s*$/;

/**
 * A SyntaxError raised while parsing the script itself: every frame of its stack is a bare
 * `<script>:line:col` location. Runtime SyntaxErrors (JSON.parse, eval) have a calling frame.
 * Linking a module is part of it: an export clause that names no binding (`export { a }`) is an
 * early error, which QuickJS raises with no frame at all.
 */
export function isParseError(d: Described, scriptName: string): boolean {
  if (d.name !== "SyntaxError") return false;
  if (!d.stack?.trim()) return UNBOUND_EXPORT.test(d.message);
  const frames = d.stack.split("\n").filter((line) => line.trim());
  const bare = new RegExp(`^\\s*at ${scriptName.replace(/\./g, "\\.")}:\\d+:\\d+$`);
  return frames.length > 0 && frames.every((line) => bare.test(line));
}

/** QuickJS's message when a module's export clause names a binding it does not have. */
const UNBOUND_EXPORT = /^exported variable '([^']*)' does not exist$/;

/** Where the export clause naming `name` is in `code` (1-based), for an early error QuickJS reports without a position. */
function exportClauseOf(code: string, name: string): Position | undefined {
  const escaped = name.replace(/[$]/g, "\\$");
  const clause = new RegExp(`\\bexport\\s*\\{[^}]*?(?<![\\w$])${escaped}(?![\\w$])`, "g");
  const found = clause.exec(code);
  if (!found) return undefined;
  const before = code.slice(0, found.index).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/** A position in the evaluated code as the caller sees it: mapped to their source where it was transpiled. */
const toSource = (source: ErrorSource, p: Position): Position | undefined => (source.positions ? source.positions.toSource(p) : p);

/**
 * The stack as the caller should see it: the script's frames (at their place in the caller's source)
 * and the built-ins it called, without Kiln's frames (`kiln:prelude`, `kiln:globals`, the `kiln`
 * module) or code the transpiler added. Also answers the innermost frame in the script.
 */
function ownStack(stack: string, source: ErrorSource): { stack: string; innermost?: Position } {
  let innermost: Position | undefined;
  const lines: string[] = [];
  for (const line of stack.split("\n")) {
    const frame = FRAME.exec(line);
    if (!frame) {
      if (line.trim()) lines.push(line);
      continue;
    }
    const [, head, file, l, c, tail] = frame;
    if (file === "kiln" || file!.startsWith("kiln:")) continue;
    if (file !== source.fileName) {
      lines.push(line);
      continue;
    }
    const at = toSource(source, { line: Number(l), column: Number(c) });
    if (!at) continue;
    innermost ??= at;
    lines.push(`${head}${file}:${at.line}:${at.column}${tail}`);
  }
  return { stack: lines.length ? `${lines.join("\n")}\n` : "", innermost };
}

/**
 * The `error` of a failed run: a syntax error with its line and column, or a guest error with a
 * stack free of Kiln's frames and the line and column of the script's innermost frame. Positions
 * are 1-based, in the caller's source (TypeScript, not the JavaScript it became).
 */
export function guestErrorFrom(d: Described, source: ErrorSource): GuestError {
  const message = d.name ? `${d.name}: ${d.message}` : d.message;
  if (isParseError(d, source.fileName)) {
    const where = /:(\d+):(\d+)/.exec(d.stack ?? "");
    const unbound = UNBOUND_EXPORT.exec(d.message);
    const reported = where
      ? { line: Number(where[1]), column: Number(where[2]) }
      : d.line !== undefined
        ? { line: d.line, column: 0 }
        : unbound && source.code !== undefined
          ? exportClauseOf(source.code, unbound[1]!)
          : undefined;
    const at = reported && toSource(source, reported);
    if (!at) return { code: "syntax_error", message };
    const column = at.column || undefined;
    return { code: "syntax_error", message: `${message} (line ${at.line}${column ? `, column ${column}` : ""})`, line: at.line, ...(column && { column }) };
  }
  const error: GuestError = { code: "guest_error", message };
  if (d.stack) {
    const { stack, innermost } = ownStack(d.stack, source);
    if (stack.trim()) error.stack = stack;
    if (innermost) {
      error.line = innermost.line;
      error.column = innermost.column;
    }
  }
  return error;
}
