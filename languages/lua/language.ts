import { RUNTIME_HOST_WIT, type ComponentRuntimeDescriptor } from "../../src/engine/component/runtime-descriptor.ts";
import { luaLiteral } from "./binding.ts";
import { luaDriver } from "./driver.ts";
import { LUA_LIBRARIES } from "./libraries.ts";

/**
 * Lua as data: the reactor built by languages/lua/build.sh, the component world it is wrapped in,
 * and the language it serves. The Node adapter turns it into a prepared component runtime.
 */
export const lua: ComponentRuntimeDescriptor = {
  engine: "component",
  artifact: new URL("./lua.wasm", import.meta.url),
  /** The world the reactor's exports implement (its `run` is the canonical-ABI export of this function). */
  witSource: `package kiln:runtime@0.1.0;
${RUNTIME_HOST_WIT}
world lua {
  import host;
  export run: func(source: string) -> result<string, string>;
}
`,
  world: "lua",
  driver: luaDriver,
  /** Lua reads a host answer as a Lua literal (loaded by the binding, see binding.ts). */
  answer: luaLiteral,
  exceptions: true,
  // Kept initialised and restored after each run, as Ruby and Python are: a new instance per run also
  // means a new wasm memory per run, and V8 collects the dropped ones in a full GC every ~30 runs.
  warm: true,
  language: {
    name: "lua",
    aliases: ["lua5.4"],
    example: `function main(i) return "hi " .. i.name end`,
    syntax: "lua",
    version: "Lua 5.4.4 (Debian 5.4.4-3+deb12u1), as a WASI 0.2 component",
    libraries: LUA_LIBRARIES.map(({ name, version }) => ({ name, version })),
  },
};
