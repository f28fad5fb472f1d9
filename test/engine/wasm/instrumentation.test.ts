/** The component engine's build-time instrumentation, checked on the real Lua reactor (languages/lua). */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { FUEL_GLOBAL } from "../../../src/engine/wasm/instance-globals.ts";
import { instrumentFuel } from "../../../src/engine/wasm/instrument-fuel.ts";
import { patchMemoryMax } from "../../../src/engine/wasm/patch-memory-max.ts";
import { runLuaReactor } from "../../helpers/lua-reactor.ts";

const lua = readFileSync(new URL("../../../languages/lua/lua.wasm", import.meta.url));
let metered: WebAssembly.Module;
beforeAll(() => {
  metered = new WebAssembly.Module(instrumentFuel(lua));
});
const BUDGET = 1n << 40n;
const burned = (left: bigint | undefined) => BUDGET - left!;

describe("instrumentFuel", () => {
  it("exports a fuel global and keeps the module's behaviour, exceptions included", async () => {
    expect(WebAssembly.Module.exports(metered).map((e) => e.name)).toContain(FUEL_GLOBAL);
    const out = await runLuaReactor(metered, "print(pcall(error, 'x')) print(('ab'):rep(2))", { fuel: BUDGET });
    expect(out).toMatchObject({ status: 0, stdout: "false\tx\nabab\n" });
    expect(burned(out.fuelLeft)).toBeGreaterThan(0n);
  });

  it("traps an endless loop when the fuel runs out", async () => {
    const out = await runLuaReactor(metered, "while true do end", { fuel: 1_000_000n });
    expect(out.status).toBe("trap");
    expect(out.fuelLeft).toBeLessThan(0n);
  });

  it("burns the same fuel for the same code over 10 fresh instances, and more for more work", async () => {
    const code = "local s = 0 for i = 1, 20000 do s = s + (i % 7) end print(s)";
    const runs = await Promise.all(Array.from({ length: 10 }, () => runLuaReactor(metered, code, { fuel: BUDGET })));
    expect(new Set(runs.map((r) => burned(r.fuelLeft))).size).toBe(1);
    const more = await runLuaReactor(metered, code.replace("20000", "40000"), { fuel: BUDGET });
    expect(burned(more.fuelLeft)).toBeGreaterThan(burned(runs[0]!.fuelLeft));
  });
});

describe("patchMemoryMax", () => {
  it("caps the module's own memory, so a memory bomb ends as out of memory at the new cap", async () => {
    const capped = new WebAssembly.Module(patchMemoryMax(lua, 512)); // 32 MiB
    const out = await runLuaReactor(capped, "local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(100000) .. i end");
    expect(out).toMatchObject({ status: 3, stderr: expect.stringMatching(/not enough memory/) });
    expect(out.memoryBytes).toBeLessThanOrEqual(512 * 65536);
    expect((await runLuaReactor(capped, "print('fine')")).stdout).toBe("fine\n");
  });

  it("refuses a cap below the module's minimum, and bytes that are not wasm", () => {
    expect(() => patchMemoryMax(lua, 1)).toThrow(/needs/);
    expect(() => patchMemoryMax(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 10)).toThrow(/not a wasm module/);
  });
});
