import type { QuickJSLanguageDescriptor } from "../../src/engine/quickjs/prepare-source.ts";
import { CEL_LIBRARY_VERSION, YAML_LIBRARY_VERSION } from "./cel-bundle.generated.js";
import { celDriver } from "./driver.ts";

/**
 * CEL (Common Expression Language): one expression, the input's fields bound as variables, its value
 * answered as JSON. Evaluated by @marcbachmann/cel-js inside QuickJS (see the README, "CEL and CEL++").
 */
export const cel: QuickJSLanguageDescriptor = {
  engine: "quickjs",
  language: {
    name: "cel",
    aliases: [],
    example: `'hi ' + name`,
    // A CEL expression reads like a JavaScript one.
    syntax: "javascript",
    version: `CEL by @marcbachmann/cel-js ${CEL_LIBRARY_VERSION}, run on QuickJS 2025-09-13`,
    libraries: [{ name: "@marcbachmann/cel-js", version: CEL_LIBRARY_VERSION }],
  },
  driver: celDriver("cel"),
};

/**
 * CEL++: IBM Security Verify's multi-line rule form, YAML `statements` of `context` assignments,
 * `if` (`match`, `block`, `elsifs`, `else`), `block` and `return`, each expression CEL. The YAML is
 * parsed inside QuickJS too, by the `yaml` package.
 */
export const celpp: QuickJSLanguageDescriptor = {
  engine: "quickjs",
  language: {
    name: "cel++",
    aliases: ["celpp"],
    example: `statements:\n  - return: "'hi ' + name"`,
    syntax: "yaml",
    version: `CEL++ (IBM Security Verify's YAML statements) by @marcbachmann/cel-js ${CEL_LIBRARY_VERSION} and yaml ${YAML_LIBRARY_VERSION}, run on QuickJS 2025-09-13`,
    libraries: [
      { name: "@marcbachmann/cel-js", version: CEL_LIBRARY_VERSION },
      { name: "yaml", version: YAML_LIBRARY_VERSION },
    ],
  },
  driver: celDriver("cel++"),
};
