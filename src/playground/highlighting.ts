import { javascript } from "@codemirror/lang-javascript";
import { python } from "@codemirror/lang-python";
import { StreamLanguage, type LanguageSupport, type StreamParser } from "@codemirror/language";
import { lua } from "@codemirror/legacy-modes/mode/lua";
import { ruby } from "@codemirror/legacy-modes/mode/ruby";
import { yaml } from "@codemirror/legacy-modes/mode/yaml";
import type { Extension } from "@codemirror/state";

const stream = (parser: StreamParser<unknown>) => StreamLanguage.define(parser);

/**
 * The editor's highlighters, by the names and aliases `GET /v1/languages` gives (a CEL expression reads
 * like a JavaScript one; CEL++ is YAML). A language the table does not know is edited as plain text.
 */
const HIGHLIGHTERS: Record<string, () => LanguageSupport | StreamLanguage<unknown>> = {
  javascript: () => javascript(),
  typescript: () => javascript({ typescript: true }),
  python: () => python(),
  lua: () => stream(lua as StreamParser<unknown>),
  ruby: () => stream(ruby as StreamParser<unknown>),
  cel: () => javascript(),
  "cel++": () => stream(yaml as StreamParser<unknown>),
};

/** The highlighting for a language, found by its name or one of its aliases. */
export function highlighting(language: { name: string; aliases: readonly string[] }): Extension {
  for (const name of [language.name, ...language.aliases]) {
    const make = HIGHLIGHTERS[name.toLowerCase()];
    if (make) return make();
  }
  return [];
}
