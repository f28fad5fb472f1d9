/**
 * Warm instances across memory caps: the cap is set per run (CAP_GLOBAL), so one compiled module and one
 * warm instance serve a caller sweeping memoryMb, each run still held to its own cap; and the pool's
 * byte budget bounds what is kept, least recently used out first.
 */
import { expect, it } from "vitest";
import { ComponentEngine } from "../../../src/engine/component/component-engine.ts";
import { componentRuntimesPrepared, job } from "../../helpers/fixtures.ts";

const MB = 1024 * 1024;
const HOG = "a = []\nwhile True:\n    a.append('x' * 100000)";

it("serves every memory cap from one warm instance, and holds each run to its own cap", async () => {
  using engine = new ComponentEngine(await componentRuntimesPrepared());
  for (let memoryMb = 30; memoryMb <= 40; memoryMb++) {
    const out = await engine.run(job("python", "def main(i):\n    return i", { input: memoryMb, limits: { memoryMb } }));
    expect(out).toMatchObject({ ok: true, result: memoryMb, usage: { start: memoryMb === 30 ? "fresh" : "warm" } });
  }
  expect(engine.poolStats).toMatchObject({ misses: 1, hits: 10 });
  // The instance started under 30 MiB raises its cap for a run under 96 MiB...
  const big = await engine.run(job("python", "def main(i):\n    return len(bytearray(50 * 1024 * 1024))", { limits: { memoryMb: 96 } }));
  expect(big).toMatchObject({ ok: true, result: 50 * MB, usage: { start: "warm" } });
  // ...which grew it past what the pool keeps: the next run starts one afresh under 96 MiB, and it is kept.
  expect((await engine.run(job("python", "1", { limits: { memoryMb: 96 } }))).usage.start).toBe("fresh");
  // That instance, run under 32 MiB, stops there.
  const small = await engine.run(job("python", HOG, { limits: { memoryMb: 32 } }));
  expect(small).toMatchObject({ ok: false, error: { code: "memory_exhausted" }, usage: { start: "warm" } });
  expect(small.usage.memoryBytes).toBeLessThanOrEqual(32 * MB);
  expect(small.usage.memoryBytes).toBeGreaterThan(24 * MB);
});

it("keeps warm instances within the byte budget, least recently used out first", async () => {
  const runtimes = await componentRuntimesPrepared();
  const probe = new ComponentEngine(runtimes);
  await probe.run(job("python", "1"));
  const one = probe.poolStats.bytes;
  probe.dispose();
  expect(one).toBeGreaterThan(0);

  // Up to three kept Python instances, but room (with their snapshots) for two.
  using engine = new ComponentEngine(runtimes, { warmInstances: 3, warmPoolBytes: Math.floor(one * 2.5) });
  const three = () => Promise.all([1, 2, 3].map((n) => engine.run(job("python", "def main(i):\n    return i * 2", { input: n }))));
  const first = await three();
  expect(first.map((o) => [o.ok && o.result, o.usage.start])).toEqual([[2, "fresh"], [4, "fresh"], [6, "fresh"]]);
  // The third instance given back did not fit: the oldest went, two stay.
  expect(engine.poolStats).toMatchObject({ evictions: 1, instances: 2, snapshots: 2, misses: 3, hits: 0 });
  expect(engine.poolStats.bytes).toBeLessThanOrEqual(Math.floor(one * 2.5));
  // A warm run borrows, runs and gives back without waiting on anything, so these three take turns on the kept ones.
  const second = await three();
  expect(second.map((o) => o.usage.start)).toEqual(["warm", "warm", "warm"]);
  expect(engine.poolStats).toMatchObject({ evictions: 1, instances: 2, misses: 3, hits: 3 });
  expect(engine.poolStats.bytes).toBeLessThanOrEqual(Math.floor(one * 2.5));
});
