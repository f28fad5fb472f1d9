/** A guest's sleep on the WASI clocks: it really waits, burns no fuel, and one past the deadline is a timeout at it. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ComponentEngine } from "../../../src/engine/component/component-engine.ts";
import { componentEngine, job } from "../../helpers/fixtures.ts";

let engine: ComponentEngine;
beforeAll(async () => {
  engine = await componentEngine();
});
afterAll(() => engine.dispose());

const sleepers = {
  python: { nap: "import time\ndef main(i):\n    t0 = time.monotonic()\n    time.sleep(0.3)\n    return time.monotonic() - t0", forever: "import time\ntime.sleep(3600)" },
  ruby: { nap: "def main(i)\n  t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)\n  sleep 0.3\n  Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0\nend", forever: "sleep 3600" },
};

describe.each(Object.entries(sleepers))("%s", (language, code) => {
  it("sleeps for real, without burning fuel", async () => {
    const limits = { timeoutMs: 30_000 };
    const warmup = await engine.run(job(language, "1", { limits }));
    expect(warmup.ok, JSON.stringify(warmup)).toBe(true);
    const out = await engine.run(job(language, code.nap, { limits }));
    expect(out.ok, JSON.stringify(out)).toBe(true);
    if (!out.ok) return;
    expect(out.result as number).toBeGreaterThanOrEqual(0.29);
    expect(out.usage.fuel).toBeLessThanOrEqual(warmup.usage.fuel! + 5);
  });

  it("ends a sleep past the deadline as a timeout at the deadline, and the next run is fine", async () => {
    const started = Date.now();
    const out = await engine.run(job(language, code.forever, { limits: { timeoutMs: 1000 } }));
    expect(out.ok ? out : out.error.code).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await engine.run(job(language, "1", { limits: { timeoutMs: 30_000 } }))).ok).toBe(true);
  });
});
