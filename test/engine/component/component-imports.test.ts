import { componentEmbed, componentNew, componentWit, preview1AdapterReactorPath } from "@bytecodealliance/jco";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ALLOWED_IMPORTS, forbiddenImports, importsOfWit, RUNTIME_IMPORTS } from "../../../src/engine/component/component-imports.ts";
import { exnrefCopy } from "../../../src/engine/wasm/exnref-copy.ts";
import { lua as luaRuntime } from "../../../languages/lua/language.ts";

describe("component import checks", () => {
  it("accepts the Lua runtime component as a runtime (WASI and Kiln's host-call function), not as a caller's component", async () => {
    const embedded = await componentEmbed({ binary: exnrefCopy(readFileSync(luaRuntime.artifact)), witSource: luaRuntime.witSource, world: luaRuntime.world });
    const component = await componentNew(embedded, [["wasi_snapshot_preview1", readFileSync(preview1AdapterReactorPath())]]);
    const wit = await componentWit(component);
    expect(importsOfWit(wit)).toContain("wasi:cli/stdout@0.2.3");
    expect(forbiddenImports(wit, RUNTIME_IMPORTS)).toEqual([]);
    expect(forbiddenImports(wit)).toEqual(["kiln:runtime/host@0.1.0"]);
  });

  it("names every import outside the allowed set: sockets, wasi:http, unknown packages, bare functions", () => {
    const wit = `package root:component;
world root {
  import wasi:cli/stdout@0.2.0;
  import wasi:sockets/tcp@0.2.0;
  import wasi:http/outgoing-handler@0.2.0;
  import evil:host/escape;
  import spawn: func(cmd: string);
  export run: func(input: string) -> result<string, string>;
}`;
    expect(forbiddenImports(wit)).toEqual(["spawn", "wasi:sockets/tcp@0.2.0", "wasi:http/outgoing-handler@0.2.0", "evil:host/escape"]);
  });

  it("allows no sockets, http or environment-revealing extras", () => {
    for (const name of ALLOWED_IMPORTS) expect(name).toMatch(/^(wasi:(cli|clocks|filesystem|io|random)\/|kiln:sandbox\/[a-z]+@0\.1\.0$)/);
  });
});
