import type { Engine, LanguageInfo } from "../engine/engine.ts";
import { RequestError } from "../errors.ts";
import { languages } from "../../languages/index.ts";

const ORDER = languages.map((l) => l.language.name);

/**
 * Maps language names and aliases (case-insensitive) to the engine that runs them. A language that
 * needs more memory than the server's cap per run (`maxMemoryMb`) is not served: it is left out of the
 * list, and a run that names it is told why.
 */
export class LanguageRegistry {
  readonly #byName = new Map<string, { info: LanguageInfo; engine: Engine }>();
  readonly #tooBig = new Map<string, LanguageInfo>();
  readonly #maxMemoryMb: number;

  constructor(engines: readonly Engine[], options: { maxMemoryMb?: number } = {}) {
    this.#maxMemoryMb = options.maxMemoryMb ?? Infinity;
    for (const engine of engines) {
      for (const info of engine.languages) {
        if ((info.minMemoryMb ?? 0) > this.#maxMemoryMb) {
          for (const key of [info.name, ...info.aliases]) this.#tooBig.set(key.toLowerCase(), info);
          continue;
        }
        for (const key of [info.name, ...info.aliases]) this.#byName.set(key.toLowerCase(), { info, engine });
      }
    }
  }

  /** The languages served, each once, in the order of the one list (languages/index.ts), whichever engine runs them. */
  list(): LanguageInfo[] {
    const served = [...new Set([...this.#byName.values()].map((e) => e.info))];
    const at = (info: LanguageInfo) => ORDER.indexOf(info.name) >>> 0; // one the list does not name goes last
    return served.sort((a, b) => at(a) - at(b));
  }

  has(language: string): boolean {
    return this.#byName.has(language.toLowerCase());
  }

  /** Resolves a name or alias; an unknown one is the caller's mistake. */
  resolve(language: string): { info: LanguageInfo; engine: Engine } {
    const found = this.#byName.get(language.toLowerCase());
    const tooBig = this.#tooBig.get(language.toLowerCase());
    if (!found && tooBig) {
      throw new RequestError(
        "unsupported_language",
        `Language '${tooBig.name}' needs a memory cap of at least ${tooBig.minMemoryMb} MiB, above this server's maximum of ${this.#maxMemoryMb} MiB (KILN_MAX_MEMORY_MB)`,
      );
    }
    if (!found) {
      const known = this.list().map((l) => l.name).join(", ");
      throw new RequestError("unsupported_language", `Language '${language}' is not supported here; supported: ${known}`);
    }
    return found;
  }
}
