import { javascript } from "@codemirror/lang-javascript";
import { python } from "@codemirror/lang-python";
import { StreamLanguage, type LanguageSupport, type StreamParser } from "@codemirror/language";
import { lua } from "@codemirror/legacy-modes/mode/lua";
import { ruby } from "@codemirror/legacy-modes/mode/ruby";
import { yaml } from "@codemirror/legacy-modes/mode/yaml";
import type { Extension } from "@codemirror/state";

const stream = (parser: StreamParser<unknown>) => StreamLanguage.define(parser);

/**
 * The editor's highlighters, by the `syntax` each language in `GET /v1/languages` names (a language
 * says how its code reads; this page never names a language). Without a syntax it is plain text.
 */
const HIGHLIGHTERS: Record<string, () => LanguageSupport | StreamLanguage<unknown>> = {
  javascript: () => javascript(),
  typescript: () => javascript({ typescript: true }),
  python: () => python(),
  lua: () => stream(lua as StreamParser<unknown>),
  ruby: () => stream(ruby as StreamParser<unknown>),
  yaml: () => stream(yaml as StreamParser<unknown>),
};

/** The highlighting for a language's code, by the syntax it names. */
export function highlighting(language: { syntax?: string }): Extension {
  const make = language.syntax === undefined ? undefined : HIGHLIGHTERS[language.syntax];
  return make ? make() : [];
}
