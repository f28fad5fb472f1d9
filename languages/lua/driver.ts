import type { GuestError } from "../../src/errors.ts";
import { guestCall, type GuestDriver, type GuestResult } from "../../src/engine/component/guest-driver.ts";
import { wrapLua } from "./binding.ts";

/** Drives the Lua reactor: one call of its `run` export with the wrapped chunk. */
export const luaDriver: GuestDriver = {
  run(instance, job, { seed, reseed }) {
    reseed();
    return guestCall(
      () => instance.run(wrapLua(job.code, job.inputJson, seed, { evaluateOnly: job.evaluateOnly === true, stdin: job.stdin, args: job.args, files: job.files })) as string | Promise<string>,
      (json): GuestResult => ({ ok: true, json }),
      (e) => {
        const payload = (e as { payload?: unknown }).payload;
        if (typeof payload === "string") return luaFailure(payload, job.code);
        throw e;
      },
    );
  },
};

/** Maps the runtime's `<kind>:<message>` error (see languages/lua/binding.ts) to a guest result. */
function luaFailure(payload: string, code: string): GuestResult {
  const colon = payload.indexOf(":");
  const kind = payload.slice(0, colon);
  const message = payload.slice(colon + 1);
  if (kind === "memory" || message === "not enough memory") return { ok: false, outOfMemory: true };
  const syntax = /^syntax:(\d+):([\s\S]*)$/.exec(message);
  if (syntax) return { ok: false, error: luaSyntaxError(code, syntax[2]!, Number(syntax[1])) };
  if (message.startsWith("guest:")) {
    const { message: text, line, stack } = JSON.parse(message.slice("guest:".length)) as { message: string; line?: number; stack?: string };
    return { ok: false, error: { code: "guest_error", message: text, ...(line ? { line } : {}), ...(stack ? { stack } : {}) } };
  }
  return { ok: false, error: { code: "guest_error", message } };
}

/**
 * A syntax error with its line (from Lua's `script:<line>:` prefix) and column. Lua reports no column,
 * so it is derived: `stoppedAt` is the byte offset where the token the parser was on ends (Lua's lexer
 * is one character past it); the column is where that token starts, i.e. the `near '<token>'` of the
 * message, or the end of the text for `near <eof>` (and for an error that names no token, such as a
 * `goto` with no label, found once the text has been read to its end). It counts characters (code
 * points) from 1 on the reported line, and is 1 if that token began on an earlier line (a long string).
 */
export function luaSyntaxError(code: string, message: string, stoppedAt: number): GuestError {
  const error: GuestError = { code: "syntax_error", message: `SyntaxError: ${message}` };
  const line = /^script:(\d+):/.exec(message)?.[1];
  if (!line) return error;
  error.line = Number(line);
  const bytes = new TextEncoder().encode(code);
  const end = Math.min(stoppedAt, bytes.length);
  const atEnd = / near <eof>$/.test(message) || (!/ near /.test(message) && end === bytes.length);
  const start = atEnd ? end : tokenStart(bytes, end);
  const lineStart = lineStartOf(bytes, error.line);
  error.column = start < lineStart ? 1 : [...new TextDecoder().decode(bytes.subarray(lineStart, start))].length + 1;
  return error;
}

const NEWLINE = new Set([0x0a, 0x0d]);
const SPACE = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);
const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;
const isNameChar = (b: number | undefined) => b !== undefined && (isDigit(b) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f);
const SYMBOLS = ["...", "..", "==", "~=", "<=", ">=", "//", "::", "<<", ">>"].map((s) => [...s].map((c) => c.charCodeAt(0)));

/** The byte offset where line `line` starts, counting line breaks as Lua does (`\n`, `\r`, `\r\n` and `\n\r` are one each). */
function lineStartOf(bytes: Uint8Array, line: number): number {
  let at = 0;
  for (let current = 1; current < line && at < bytes.length; at++) {
    if (!NEWLINE.has(bytes[at]!)) continue;
    if (NEWLINE.has(bytes[at + 1]!) && bytes[at + 1] !== bytes[at]) at++;
    current++;
  }
  return at;
}

/** If `at` opens a long bracket (`[`, any number of `=`, `[`), its level; else -1. */
function longBracket(bytes: Uint8Array, at: number): number {
  if (bytes[at] !== 0x5b) return -1;
  let level = 0;
  while (bytes[at + 1 + level] === 0x3d) level++;
  return bytes[at + 1 + level] === 0x5b ? level : -1;
}

/** The end of the long bracket of `level` opened at `at` (or of the text, if it is never closed); `text` has one character per byte. */
function longBracketEnd(text: string, at: number, level: number): number {
  const close = "]" + "=".repeat(level) + "]";
  const found = text.indexOf(close, at + level + 2);
  return found < 0 ? text.length : found + close.length;
}

/**
 * Where the token that covers the byte before `end` starts, lexing from the beginning as Lua's lexer
 * does (names, numbers, short and long strings, comments, symbols; an unfinished token runs to the end
 * of its line or of the text). `end` itself if it falls between tokens.
 */
function tokenStart(bytes: Uint8Array, end: number): number {
  const text = new TextDecoder("latin1").decode(bytes);
  let at = 0;
  while (at < end) {
    const b = bytes[at]!;
    let next: number;
    if (SPACE.has(b)) {
      at++;
      continue;
    } else if (b === 0x2d && bytes[at + 1] === 0x2d) {
      const level = longBracket(bytes, at + 2);
      if (level >= 0) next = longBracketEnd(text, at + 2, level);
      else for (next = at + 2; next < bytes.length && !NEWLINE.has(bytes[next]!); next++);
      if (next >= end) return at;
      at = next;
      continue;
    } else if (longBracket(bytes, at) >= 0) {
      next = longBracketEnd(text, at, longBracket(bytes, at));
    } else if (b === 0x22 || b === 0x27) {
      for (next = at + 1; next < bytes.length; next++) {
        if (bytes[next] === 0x5c) next++;
        else if (bytes[next] === b) {
          next++;
          break;
        } else if (NEWLINE.has(bytes[next]!)) break;
      }
    } else if (isDigit(b) || (b === 0x2e && isDigit(bytes[at + 1]))) {
      const hex = b === 0x30 && (bytes[at + 1] === 0x78 || bytes[at + 1] === 0x58);
      const exponent = hex ? [0x70, 0x50] : [0x65, 0x45];
      for (next = at + 1; next < bytes.length; next++) {
        const c = bytes[next]!;
        if ((c === 0x2b || c === 0x2d) && exponent.includes(bytes[next - 1]!)) continue;
        if (!isNameChar(c) && c !== 0x2e) break;
      }
    } else if (isNameChar(b)) {
      for (next = at + 1; isNameChar(bytes[next]); next++);
    } else {
      const symbol = SYMBOLS.find((s) => s.every((c, i) => bytes[at + i] === c));
      next = at + (symbol?.length ?? 1);
    }
    if (next >= end) return at;
    at = next;
  }
  return end;
}
