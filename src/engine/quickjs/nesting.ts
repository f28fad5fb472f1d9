import type { Position } from "./source-positions.ts";

/**
 * Where `source` first opens more than `limit` brackets ((), [], {} and template `${`) at once, or
 * undefined. A scan, not a parse: it skips strings, comments and template text, but counts a bracket
 * inside a regular expression literal like any other (it can only make the count higher).
 *
 * esbuild runs outside the sandbox and its parser recurses: a few hundred KiB of `[[[[…` cost it
 * seconds and gigabytes of stack, then crash it. QuickJS itself stops at about a thousand levels.
 */
export function tooDeep(source: string, limit: number): Position | undefined {
  // What each open level is: a bracket, or the `${` of a template literal (whose `}` returns to its text).
  const open: ("bracket" | "template")[] = [];
  let line = 1;
  let column = 0;
  let i = 0;
  const next = () => {
    const ch = source[i++]!;
    if (ch === "\n") {
      line++;
      column = 0;
    } else if (ch < "\udc00" || ch > "\udfff") column++; // a surrogate pair is one character
    return ch;
  };
  /** Skips template text up to its end (true) or to a `${` (false). */
  const templateText = () => {
    while (i < source.length) {
      const ch = next();
      if (ch === "\\") next();
      else if (ch === "`") return true;
      else if (ch === "$" && source[i] === "{") {
        next();
        return false;
      }
    }
    return true;
  };
  while (i < source.length) {
    const ch = next();
    if (ch === "/" && source[i] === "/") {
      while (i < source.length && source[i] !== "\n") next();
    } else if (ch === "/" && source[i] === "*") {
      next();
      while (i < source.length && !(source[i] === "*" && source[i + 1] === "/")) next();
      if (i < source.length) {
        next();
        next();
      }
    } else if (ch === "'" || ch === '"') {
      while (i < source.length) {
        const c = next();
        if (c === "\\") next();
        else if (c === ch || c === "\n") break;
      }
    } else if (ch === "`") {
      if (!templateText()) open.push("template");
    } else if (ch === "(" || ch === "[" || ch === "{") {
      open.push("bracket");
    } else if (ch === ")" || ch === "]" || ch === "}") {
      if (open.pop() === "template" && !templateText()) open.push("template");
    } else continue;
    if (open.length > limit) return { line, column };
  }
  return undefined;
}
