import { transform } from "sucrase";
import type { GuestError } from "../../errors.ts";

/** Source ready for QuickJS: plain JavaScript, and whether it is an ES module or a classic script. */
export interface PreparedSource {
  code: string;
  kind: "module" | "script";
}

/** A line that starts with `export`, or with a static `import` (not `import(` or `import.meta`). */
const MODULE_SYNTAX = /^[ \t]*(?:export\b|import\s*[\w{*"'])/m;

/**
 * Strips TypeScript types (sucrase keeps line numbers) and decides how the code is evaluated:
 * code with a top-level `import`/`export` line is a module, anything else a classic script
 * that may assign `module.exports`.
 */
export function prepareSource(language: string, code: string): PreparedSource | { error: GuestError } {
  let js = code;
  if (language === "typescript") {
    try {
      js = transform(code, { transforms: ["typescript"], disableESTransforms: true, keepUnusedImports: true }).code;
    } catch (e) {
      const loc = (e as { loc?: { line: number; column: number } }).loc;
      const message = e instanceof Error ? e.message : String(e);
      return {
        error: {
          code: "syntax_error",
          message: loc ? `SyntaxError: ${message.replace(/ \(\d+:\d+\)$/, "")} (line ${loc.line}, column ${loc.column})` : message,
          ...(loc ? { line: loc.line, column: loc.column } : {}),
        },
      };
    }
  }
  return { code: js, kind: MODULE_SYNTAX.test(js) ? "module" : "script" };
}
