import type { Engine, LanguageInfo } from "../engine/engine.ts";
import { RequestError } from "../errors.ts";

/** Maps language names and aliases (case-insensitive) to the engine that runs them. */
export class LanguageRegistry {
  readonly #byName = new Map<string, { info: LanguageInfo; engine: Engine }>();

  constructor(engines: readonly Engine[]) {
    for (const engine of engines) {
      for (const info of engine.languages) {
        for (const key of [info.name, ...info.aliases]) this.#byName.set(key.toLowerCase(), { info, engine });
      }
    }
  }

  /** The languages served, each once. */
  list(): LanguageInfo[] {
    return [...new Set([...this.#byName.values()].map((e) => e.info))];
  }

  has(language: string): boolean {
    return this.#byName.has(language.toLowerCase());
  }

  /** Resolves a name or alias; an unknown one is the caller's mistake. */
  resolve(language: string): { info: LanguageInfo; engine: Engine } {
    const found = this.#byName.get(language.toLowerCase());
    if (!found) {
      const known = this.list().map((l) => l.name).join(", ");
      throw new RequestError("unsupported_language", `Language '${language}' is not supported here; supported: ${known}`);
    }
    return found;
  }
}
