import type { GuestError } from "../../errors.ts";

/** A thrown value as the guest's prelude describes it: plain data. */
export interface Described {
  name?: string;
  message: string;
  stack?: string;
  line?: number;
  column?: number;
}

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

/** The `error` of a failed run: a syntax error with its line and column, or a guest error with a stack free of Kiln's frames. */
export function guestErrorFrom(d: Described, scriptName: string): GuestError {
  const kind = isParseError(d, scriptName) ? "syntax_error" : "guest_error";
  const error: GuestError = { code: kind, message: d.name ? `${d.name}: ${d.message}` : d.message };
  if (kind === "syntax_error") {
    const where = /:(\d+):(\d+)/.exec(d.stack ?? "");
    error.line = d.line ?? (where ? Number(where[1]) : undefined);
    error.column = where ? Number(where[2]) : undefined;
    if (error.line !== undefined) error.message += ` (line ${error.line}${error.column ? `, column ${error.column}` : ""})`;
  } else if (d.stack) {
    const stack = d.stack.split("\n").filter((line) => !line.includes("(kiln:")).join("\n");
    if (stack.trim()) error.stack = stack;
  }
  return error;
}
