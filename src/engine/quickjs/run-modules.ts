import { isSafeFileName } from "../../limits/run-inputs.ts";

/** One of a run's files as QuickJS evaluates it: JavaScript (a TypeScript file already transpiled). */
export interface PreparedModule {
  /** Its relative path (`util.js`, `lib/util.ts`): its module name, which stack frames show. */
  name: string;
  code: string;
}

/**
 * The libraries a run may import by bare name (`import _ from "lodash"`): their names, as the language
 * offers them, and their bundled ES module source (absent when the server has none bundled).
 */
export interface GuestLibraries {
  readonly names: readonly string[];
  readonly sources: Readonly<Record<string, string>>;
}

/** What a relative specifier may leave out, tried in this order: `./util` finds `util.js`, `util.ts`, `util/index.js`… */
const SUFFIXES = ["", ".js", ".ts", ".mjs", ".mts", "/index.js", "/index.ts"];

/**
 * The files a run's code may import, by relative path. A specifier that starts with `./` or `../` is
 * resolved against the importing module's folder (the script's is the top), never above the top, and
 * then looked up among the files only. A bare specifier is left as it is: `kiln` is the host's module,
 * one of the language's libraries is served from its bundle, anything else is not found.
 */
export class RunModules {
  readonly #modules = new Map<string, string>();
  readonly #libraries: GuestLibraries;
  /** The bare specifiers `resolve` saw, so that `missing` can tell them from files not found. */
  readonly #bare = new Set<string>();

  constructor(modules: readonly PreparedModule[] = [], libraries: GuestLibraries = { names: [], sources: {} }) {
    // Checked where the request was read; checked again here, where a name becomes reachable.
    for (const m of modules) if (isSafeFileName(m.name)) this.#modules.set(m.name, m.code);
    this.#libraries = libraries;
  }

  get size(): number {
    return this.#modules.size;
  }

  /**
   * The module name `requested` resolves to from the module `base`. A run's file is named by its path,
   * with `./` in front only where the path alone would name the host's module (`kiln`, `kiln:…`).
   */
  resolve(base: string, requested: string): string {
    if (!requested.startsWith("./") && !requested.startsWith("../")) {
      this.#bare.add(requested);
      return requested;
    }
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
    return found === "kiln" || found.startsWith("kiln:") || this.#libraries.names.includes(found) ? `./${found}` : found;
  }

  /** The JavaScript of the module named `name` (as `resolve` named it): a library (a bare name), or one of the run's files. */
  load(name: string): string | undefined {
    if (this.#libraries.names.includes(name)) return Object.hasOwn(this.#libraries.sources, name) ? this.#libraries.sources[name] : undefined;
    return this.#modules.get(this.#pathOf(name));
  }

  /** Why `name` (as `resolve` named it) could not be loaded: for a bare name, the libraries that are offered. */
  missing(name: string): string {
    const names = this.#libraries.names;
    if (names.includes(name)) return `Cannot find module '${name}': the libraries are not bundled on this server (npm run prepare:runtimes bundles them)`;
    if (!this.#bare.has(name)) return `Cannot find module '${name}'`;
    return names.length
      ? `Cannot find module '${name}': it is not one of the libraries offered (${names.join(", ")}); a run's own files are imported by relative path ("./${name}.js")`
      : `Cannot find module '${name}': no libraries are offered for this language; a run's own files are imported by relative path ("./${name}.js")`;
  }

  #pathOf(name: string): string {
    return name.startsWith("./") ? name.slice(2) : name;
  }
}
