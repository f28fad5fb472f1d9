import semver from "semver";
import { callerComponents } from "../../../languages/index.ts";
import type { LanguageInfo } from "../../engine/engine.ts";

/** A runtime as Piston's `GET /api/v2/runtimes` lists it. */
export interface PistonRuntime {
  /** Kiln's canonical language name. */
  language: string;
  /** A semver version, which `version` ranges in `POST /api/v2/execute` are matched against. */
  version: string;
  aliases: string[];
  /** Set where one runtime serves several languages, as Piston does (QuickJS runs JavaScript and TypeScript). */
  runtime?: string;
}

/**
 * Aliases Piston's own packages give these languages that Kiln's do not (from their `metadata.json`),
 * so code written against Piston's names finds Kiln's runtime.
 */
const PISTON_ALIASES: Record<string, readonly string[]> = {
  python: ["py3"],
  javascript: ["node-javascript", "node-js"],
  typescript: ["node-ts"],
  ruby: ["ruby3"],
};

/**
 * A language's version as semver. Kiln's versions are prose ("CPython 3.11.2 (Debian …)"): the
 * engine's release date where the text has one (QuickJS 2025-09-13 → 2025.9.13, for the languages it
 * runs), else the first version number in it (3.11.2; "CRuby 3.4" → 3.4.0).
 */
export function semverOf(version: string): string {
  const date = /\b(\d{4})-(\d{2})-(\d{2})\b/.exec(version);
  if (date) return `${Number(date[1])}.${Number(date[2])}.${Number(date[3])}`;
  return semver.coerce(version)?.version ?? "0.0.0";
}

/**
 * Kiln's languages as Piston runtimes: each served language but callers' components (which run by
 * id, not from source files), with its aliases and Piston's, in `GET /v1/languages` order.
 */
export function pistonRuntimes(languages: readonly LanguageInfo[]): PistonRuntime[] {
  return languages
    .filter((l) => l.name !== callerComponents?.language.name)
    .map((l) => ({
      language: l.name,
      version: semverOf(l.version),
      aliases: [...new Set([...l.aliases, ...(PISTON_ALIASES[l.name] ?? [])])],
      ...(l.engine === "quickjs" && { runtime: "quickjs" }),
    }));
}

/**
 * Piston's choice of runtime: those whose name or an alias is `language` (case-insensitive, as Kiln's
 * names are) and whose version satisfies the semver range `range`, the highest version first.
 * Undefined when none does, an invalid range included (Piston's "runtime is unknown").
 */
export function matchRuntime(runtimes: readonly PistonRuntime[], language: string, range: string): PistonRuntime | undefined {
  const name = language.toLowerCase();
  return runtimes
    .filter((rt) => rt.language === name || rt.aliases.some((a) => a.toLowerCase() === name))
    .filter((rt) => semver.satisfies(rt.version, range))
    .sort((a, b) => semver.rcompare(a.version, b.version))[0];
}
