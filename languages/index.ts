import type { QuickJSLanguageDescriptor } from "../src/engine/quickjs/prepare-source.ts";
import type { CallerComponentsDescriptor, ComponentRuntimeDescriptor } from "../src/engine/component/runtime-descriptor.ts";
import { cel, celpp } from "./cel/language.ts";
import { component } from "./component/language.ts";
import { javascript } from "./javascript/language.ts";
import { lua } from "./lua/language.ts";
import { python } from "./python/language.ts";
import { ruby } from "./ruby/language.ts";
import { typescript } from "./typescript/language.ts";

/** What a language folder's `language.ts` exports: which engine runs it, and everything that engine needs. */
export type LanguageDescriptor = QuickJSLanguageDescriptor | ComponentRuntimeDescriptor | CallerComponentsDescriptor;

/**
 * Every language Kiln serves, in the order `GET /v1/languages` lists them: the one list. Adding a
 * language is a folder beside these and one entry here (see the README, "Adding a language").
 */
export const languages: readonly LanguageDescriptor[] = [javascript, typescript, lua, ruby, python, cel, celpp, component];

/** The languages QuickJS runs. */
export const quickjsLanguages = languages.filter((l): l is QuickJSLanguageDescriptor => l.engine === "quickjs");
/** The language runtimes the component engine runs, each prepared from its artifact by an adapter. */
export const componentRuntimes = languages.filter((l): l is ComponentRuntimeDescriptor => l.engine === "component" && !("callerComponents" in l));
/** Callers' own components, where an adapter can prepare them. */
export const callerComponents = languages.find((l): l is CallerComponentsDescriptor => "callerComponents" in l);
