/**
 * The gems ruby.wasm (`@ruby/3.4-wasm-wasi`, `ruby+stdlib.wasm`) packs that Kiln offers: each loads and works
 * under Kiln's sandbox (test/languages/ruby/libraries.test.ts puts every one to use). RubyGems is off
 * (RUBY_INIT_ARGS), so `require` finds gems on `$LOAD_PATH` only: the default gems are in the standard
 * library's directory already; the bundled ones (`bundled: true`) are added to it by the prelude, once,
 * before the instance's snapshot. The README lists the gems left out and why.
 */
export const RUBY_LIBRARIES = [
  { name: "abbrev", version: "0.1.2", bundled: true },
  { name: "base64", version: "0.2.0", bundled: true },
  { name: "benchmark", version: "0.4.0" },
  { name: "csv", version: "3.3.2", bundled: true },
  { name: "date", version: "3.4.1" },
  { name: "delegate", version: "0.4.0" },
  { name: "digest", version: "3.2.0" },
  { name: "english", version: "0.8.0" },
  { name: "erb", version: "4.0.4" },
  { name: "forwardable", version: "1.3.3" },
  { name: "getoptlong", version: "0.2.1", bundled: true },
  { name: "json", version: "2.9.1" },
  { name: "logger", version: "1.6.4" },
  { name: "matrix", version: "0.4.2", bundled: true },
  { name: "mutex_m", version: "0.3.0", bundled: true },
  { name: "observer", version: "0.1.2", bundled: true },
  { name: "optparse", version: "0.6.0" },
  { name: "ostruct", version: "0.6.1" },
  { name: "pp", version: "0.6.2" },
  { name: "prettyprint", version: "0.2.0" },
  { name: "prime", version: "0.1.3", bundled: true },
  { name: "psych", version: "5.2.2" },
  { name: "rexml", version: "3.4.0", bundled: true },
  { name: "securerandom", version: "0.4.1" },
  { name: "set", version: "1.1.1" },
  { name: "shellwords", version: "0.2.2" },
  { name: "singleton", version: "0.3.0" },
  { name: "stringio", version: "3.1.2" },
  { name: "strscan", version: "3.1.2" },
  { name: "time", version: "0.4.1" },
  { name: "tsort", version: "0.2.0" },
  { name: "uri", version: "1.0.2" },
  { name: "weakref", version: "0.1.3" },
  { name: "zlib", version: "3.2.1" },
] as const satisfies readonly { name: string; version: string; bundled?: boolean }[];

/** Where ruby.wasm's file system (wasi-vfs, inside the module) keeps the bundled gems. */
const GEMS_DIR = "/usr/local/lib/ruby/gems/3.4.0/gems";

/** Ruby that puts the offered bundled gems' `lib` directories at the end of `$LOAD_PATH` (after the standard library). */
export const RUBY_LOAD_PATH = `[${RUBY_LIBRARIES.filter((g) => "bundled" in g && g.bundled)
  .map((g) => JSON.stringify(`${GEMS_DIR}/${g.name}-${g.version}/lib`))
  .join(", ")}].each { |dir| $LOAD_PATH.push(dir) }`;
