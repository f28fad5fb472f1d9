import type { ComponentRuntimeDescriptor } from "../../src/engine/component/runtime-descriptor.ts";
import { rubyDriver } from "./driver.ts";
import { RUBY_LIBRARIES } from "./libraries.ts";
import { prepareRubyCore, RUBY_WIT } from "./prepare-core.ts";

/**
 * Ruby as data: CRuby 3.4 from npm `@ruby/3.4-wasm-wasi` (`ruby+stdlib.wasm`, a WASI reactor with
 * the standard library packed inside by wasi-vfs), rewritten to fit a component world by
 * `prepareRubyCore` (JS interop imports become traps). The Node adapter prepares it once per hash.
 */
export const ruby: ComponentRuntimeDescriptor = {
  engine: "component",
  artifact: new URL("../../node_modules/@ruby/3.4-wasm-wasi/dist/ruby+stdlib.wasm", import.meta.url),
  witSource: RUBY_WIT,
  world: "ruby",
  driver: rubyDriver,
  prepareCore: prepareRubyCore,
  warm: true,
  /** `ruby-init` (RubyGems and the prelude) takes about 24M metered events; this leaves room. */
  initFuel: 200_000_000n,
  /** An initialised Ruby with json loaded already fills about 60 MiB. */
  minMemoryMb: 128,
  language: {
    name: "ruby",
    aliases: ["rb", "ruby3.4"],
    example: `def main(i) = "hi " + i["name"]`,
    syntax: "ruby",
    version: "CRuby 3.4 (@ruby/3.4-wasm-wasi 2.10.1), as a WASI 0.2 component",
    libraries: RUBY_LIBRARIES.map(({ name, version }) => ({ name, version })),
  },
};
