import type { PreparedSource, SourceDriver } from "../../src/engine/quickjs/prepare-source.ts";
import type { Position } from "../../src/engine/quickjs/source-positions.ts";
import { CEL_BUNDLE, CELPP_BUNDLE } from "./cel-bundle.generated.js";

/** The two forms: one CEL expression, or CEL++'s YAML statements. */
export type CelForm = "cel" | "cel++";

/** What a rule is called in its errors' frames. */
export const CEL_FILE = "rule.cel";
export const CELPP_FILE = "rule.yaml";

/**
 * The guest runtime writes a CEL position as a frame at this line offset (guest/runtime.js's
 * LINE_BASE): those frames map back to the rule, and the bundle's own frames (below it) are left out.
 */
const LINE_BASE = 1_000_000;

const positions = { toSource: (p: Position): Position | undefined => (p.line > LINE_BASE ? { line: p.line - LINE_BASE, column: p.column } : undefined) };

/**
 * A CEL rule as JavaScript for QuickJS: the bundled runtime (cel-bundle.generated.js, evaluated at the
 * top level, so a snapshot keeps it), the rule parsed and checked at the top level too (a syntax error
 * fails there, at its line and column), and a default export that evaluates it on the input. The rule's
 * text reaches the guest as a string literal: the host never parses it.
 */
export function celDriver(form: CelForm): SourceDriver {
  const [bundle, compile, fileName] = form === "cel" ? [CEL_BUNDLE, "compileCel", CEL_FILE] : [CELPP_BUNDLE, "compileCelpp", CELPP_FILE];
  return {
    prepare: (code): PreparedSource => ({
      code: `${bundle}\nconst rule = KilnCel.${compile}(${JSON.stringify(code)}, ${JSON.stringify(fileName)});\nexport default (input) => rule(input);\n`,
      kind: "module",
      fileName,
      positions,
    }),
  };
}
