import { LUA_LIBRARY_FILES } from "./libraries.generated.ts";

/**
 * The pure-Lua libraries Kiln's Lua offers to `require` (Debian bookworm's packages, pinned in
 * packages.lock and written into libraries.generated.ts by libraries.sh). They reach a run inside its
 * chunk, as text: the wrapper's `require` (binding.ts) loads them from there, never from a file system.
 */
export const LUA_LIBRARIES = [
  { name: "penlight", version: "1.13.1", debian: "lua-penlight 1.13.1-3", prefix: "pl" },
  { name: "dkjson", version: "2.6", debian: "lua-dkjson 2.6-2", prefix: "dkjson" },
  { name: "inspect", version: "3.1.1", debian: "lua-inspect 3.1.1-2", prefix: "inspect" },
] as const;

/** Where Debian installs them, which is where `require` says it looked (and what their chunks are named after). */
export const LUA_LIBRARY_DIR = "/usr/share/lua/5.4/";

/** A module name as `require` takes it (`pl.utils`, `pl` for `pl/init.lua`). */
const moduleName = (path: string) => path.replace(/\.lua$/, "").replace(/\/init$/, "").replace(/\//g, ".");

/** Every module the libraries offer, sorted: what a failed `require` lists. */
export const LUA_LIBRARY_MODULES: readonly string[] = Object.keys(LUA_LIBRARY_FILES).map(moduleName).sort();

/** A Lua long-bracket string holding `text` exactly (a leading newline, which Lua drops, keeps a first line break). */
function longString(text: string): string {
  let level = 0;
  while (text.includes(`]${"=".repeat(level)}]`) || text.endsWith(`]${"=".repeat(level)}`)) level++;
  const eq = "=".repeat(level);
  return `[${eq}[\n${text}]${eq}]`;
}

/** Each library's files as `["path"]=[[text]]` table fields, made once. */
const FIELDS = new Map<string, string>(
  LUA_LIBRARIES.map((lib) => [
    lib.prefix,
    Object.entries(LUA_LIBRARY_FILES)
      .filter(([path]) => moduleName(path) === lib.prefix || moduleName(path).startsWith(`${lib.prefix}.`))
      .map(([path, text]) => `[${JSON.stringify(path)}]=${longString(text)}`)
      .join(",\n"),
  ]),
);

/** `require` followed by a plain name (`require "x"`, `require("x")`, `require 'x.y'`); any other use of `require` is dynamic. */
const LITERAL_REQUIRE = /^require\s*(?:\(\s*(["'])([\w.]+)\1\s*\)|(["'])([\w.]+)\3(?!\s*\.\.))/;

/**
 * The libraries a run's Lua text may load, as the body of a Lua table constructor: each library whose
 * modules some `require "<name>"` in `texts` names, with all its files (a library's modules require
 * each other, some by computed names). A `require` that is not followed by a plain name (`require(name)`,
 * `local r = require`) may load anything: then every library comes. Empty if nothing is required.
 */
export function luaLibraryFields(texts: readonly string[]): string {
  const wanted = new Set<(typeof LUA_LIBRARIES)[number]["prefix"]>();
  for (const text of texts) {
    for (const at of text.matchAll(/\brequire\b/g)) {
      const literal = LITERAL_REQUIRE.exec(text.slice(at.index));
      const name = literal ? (literal[2] ?? literal[4])! : undefined;
      for (const lib of LUA_LIBRARIES) if (name === undefined || name === lib.prefix || name.startsWith(`${lib.prefix}.`)) wanted.add(lib.prefix);
    }
  }
  return [...wanted].map((prefix) => FIELDS.get(prefix)!).join(",\n");
}
