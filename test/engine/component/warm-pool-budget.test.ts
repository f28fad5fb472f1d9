/** The warm pool's memory budget: a caller sweeping memoryMb cannot make a sandbox keep instances without bound. */
import { expect, it } from "vitest";
import { ComponentEngine } from "../../../src/engine/component/component-engine.ts";
import { componentRuntimesPrepared, job } from "../../helpers/fixtures.ts";

it("keeps warm instances across memory caps within the budget, least recently used out first", async () => {
  const runtimes = await componentRuntimesPrepared();
  const probe = new ComponentEngine(runtimes);
  await probe.run(job("python", "1", { limits: { memoryMb: 40 } }));
  const one = probe.poolStats.bytes;
  probe.dispose();
  expect(one).toBeGreaterThan(0);

  // Room for two kept Python instances (with their snapshots), not three.
  using engine = new ComponentEngine(runtimes, { warmPoolBytes: Math.floor(one * 2.5) });
  for (let memoryMb = 30; memoryMb <= 40; memoryMb++) {
    const out = await engine.run(job("python", "def main(i):\n    return i", { input: memoryMb, limits: { memoryMb } }));
    expect(out).toMatchObject({ ok: true, result: memoryMb });
    expect(engine.poolStats.bytes).toBeLessThanOrEqual(Math.floor(one * 2.5));
  }
  expect(engine.poolStats.evictions).toBe(9);
  // The two most recent caps are still warm; the first one is gone.
  expect((await engine.run(job("python", "1", { limits: { memoryMb: 40 } }))).usage.start).toBe("warm");
  expect((await engine.run(job("python", "1", { limits: { memoryMb: 39 } }))).usage.start).toBe("warm");
  expect((await engine.run(job("python", "1", { limits: { memoryMb: 30 } }))).usage.start).toBe("fresh");
});
