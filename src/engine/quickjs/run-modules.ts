import { isSafeFileName } from "../../limits/run-inputs.ts";

/** One of a run's files as QuickJS evaluates it: JavaScript (a TypeScript file already transpiled). */
export interface PreparedModule {
  /** Its relative path (`util.js`, `lib/util.ts`): its module name, which stack frames show. */
  name: string;
  code: string;
}

/** What a relative specifier may leave out, tried in this order: `./util` finds `util.js`, `util.ts`, `util/index.js`… */
const SUFFIXES = ["", ".js", ".ts", ".mjs", ".mts", "/index.js", "/index.ts"];

/**
 * The files a run's code may import, by relative path. A specifier that starts with `./` or `../` is
 * resolved against the importing module's folder (the script's is the top), never above the top, and
 * then looked up among the files only: nothing else is reachable. A bare specifier is left as it is
 * (`kiln` is the host's module; anything else is not found).
 */
export class RunModules {
  readonly #modules = new Map<string, string>();

  constructor(modules: readonly PreparedModule[] = []) {
    // Checked where the request was read; checked again here, where a name becomes reachable.
    for (const m of modules) if (isSafeFileName(m.name)) this.#modules.set(m.name, m.code);
  }

  get size(): number {
    return this.#modules.size;
  }

  /**
   * The module name `requested` resolves to from the module `base`. A run's file is named by its path,
   * with `./` in front only where the path alone would name the host's module (`kiln`, `kiln:…`).
   */
  resolve(base: string, requested: string): string {
    if (!requested.startsWith("./") && !requested.startsWith("../")) return requested;
    const parts = this.#pathOf(base).split("/").slice(0, -1).filter((p) => p !== "");
    for (const part of requested.split("/")) {
      if (part === "" || part === ".") continue;
      if (part === "..") {
        // Above the top: nothing there (the loader reports the specifier as not found).
        if (parts.length === 0) return requested;
        parts.pop();
      } else parts.push(part);
    }
    const path = parts.join("/");
    const candidates = [...SUFFIXES.map((s) => path + s), ...(path.endsWith(".js") ? [`${path.slice(0, -3)}.ts`] : [])];
    const found = candidates.find((c) => this.#modules.has(c)) ?? path;
    return found === "kiln" || found.startsWith("kiln:") ? `./${found}` : found;
  }

  /** The JavaScript of the module named `name` (as `resolve` named it), if it is one of the run's files. */
  load(name: string): string | undefined {
    return this.#modules.get(this.#pathOf(name));
  }

  #pathOf(name: string): string {
    return name.startsWith("./") ? name.slice(2) : name;
  }
}
