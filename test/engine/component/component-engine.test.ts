/** Lua on the component engine, beyond the shared conformance suite. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ComponentEngine } from "../../../src/engine/component/component-engine.ts";
import { componentEngine, job } from "../../helpers/fixtures.ts";

let engine: ComponentEngine;
beforeAll(async () => {
  engine = await componentEngine();
});
afterAll(() => engine.dispose());
const lua = (code: string, options?: Parameters<typeof job>[2]) => engine.run(job("lua", code, options));

describe("Lua on the component engine", () => {
  it("reports the same fuel over 10 runs of the same code and input", async () => {
    const code = "function main(n) local s = 0 for i = 1, n do s = s + (i % 7) end return s end";
    const fuel = new Set<number | null>();
    for (let i = 0; i < 10; i++) fuel.add((await lua(code, { input: 200_000 })).usage.fuel);
    expect(fuel.size).toBe(1);
    expect([...fuel][0]).toBeGreaterThan(10);
  });

  it("turns JSON input into Lua values and results back into JSON", async () => {
    const out = await lua("function main(i) return { sum = i.a + i.b, list = { 1, 2, 3 }, text = i.s .. '!', empty = {}, yes = true } end", {
      input: { a: 1, b: 2.5, s: 'quote " and \\ and é' },
    });
    expect(out).toMatchObject({ ok: true, result: { sum: 3.5, list: [1, 2, 3], text: 'quote " and \\ and é!', empty: [], yes: true } });
  });

  it("rejects a result JSON cannot hold", async () => {
    const out = await lua("function main() return function () end end");
    expect(out).toMatchObject({ ok: false, error: { code: "guest_error", message: expect.stringContaining("JSON") } });
  });

  it("reads no host environment or files", async () => {
    const out = await lua("function main() return { type(os.getenv), type(io.open), type(io.read), type(require), type(dofile), type(loadfile), type(package), type(debug) } end");
    expect(out).toMatchObject({ ok: true, result: Array(8).fill("nil") });
  });

  it("loads no bytecode", async () => {
    const out = await lua("function main() local f, err = load(string.dump(function () return 1 end)) return err end");
    expect(out).toMatchObject({ ok: true, result: expect.stringContaining("binary chunk") });
  });

  it("runs fine after a memory bomb", async () => {
    expect(await lua("local t = {} for i = 1, 1e12 do t[i] = ('x'):rep(10000) .. i end", { limits: { memoryMb: 32 } })).toMatchObject({ ok: false, error: { code: "memory_exhausted" } });
    expect(await lua("function main() return 'fine' end", { limits: { memoryMb: 32 } })).toMatchObject({ ok: true, result: "fine" });
  });

  it("turns deep recursion into a guest error", async () => {
    // Lua's stack limit (a million slots) is reached well before a 128 MiB cap; at 64 MiB either may come first.
    const out = await lua("local function f(n) return f(n + 1) + 1 end function main() return f(1) end", { limits: { memoryMb: 128 } });
    expect(out).toMatchObject({ ok: false, error: { code: "guest_error", message: expect.stringMatching(/stack overflow/) } });
  });
});
