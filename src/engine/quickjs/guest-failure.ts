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

/** Where errors point: the name the script was evaluated under, and the way back to the caller's source. */
export type ErrorSource = Pick<PreparedSource, "fileName" | "positions">;

/** One line of a QuickJS stack: `    at f (file:2:7)`, `    at file:2:7`, or `    at parse (native)`. */
const FRAME = /^(\s*at (?:.*? \()?)([^\s()]+):(\d+):(\d+)(\)?)\s*$/;

/**
 * A SyntaxError raised while parsing the script itself: every frame of its stack is a bare
 * `<script>:line:col` location. Runtime SyntaxErrors (JSON.parse, eval) have a calling frame.
 */
export function isParseError(d: Described, scriptName: string): boolean {
  if (d.name !== "SyntaxError" || !d.stack) return false;
  const frames = d.stack.split("\n").filter((line) => line.trim());
  const bare = new RegExp(`^\\s*at ${scriptName.replace(/\./g, "\\.")}:\\d+:\\d+$`);
  return frames.length > 0 && frames.every((line) => bare.test(line));
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
    const reported = where ? { line: Number(where[1]), column: Number(where[2]) } : d.line !== undefined ? { line: d.line, column: 0 } : undefined;
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
