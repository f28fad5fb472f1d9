import { describe, expect, it } from "vitest";
import { RequestError } from "../../src/errors.ts";
import { MemoryCounterStore, RunGuard } from "../../src/platform/run-guard.ts";

const limits = { tenantPerMinute: 1000, scriptPerMinute: 1000, quarantineThreshold: 3, quarantineWindowMs: 60_000, stoppedThreshold: 2 };

describe("RunGuard: ad-hoc code the watchdog keeps stopping", () => {
  it("names a tenant's code only once one of its runs was stopped, and quarantines that code for that tenant only", async () => {
    const guard = new RunGuard(new MemoryCounterStore(), limits);
    const asked: string[] = [];
    const key = (k: string) => async () => (asked.push(k), k);
    // No stop yet: admitted without its digest.
    await guard.admitCode("t1", key("loop"));
    expect(asked).toEqual([]);
    await guard.recordStopped("t1", "loop");
    await guard.admitCode("t1", key("loop"));
    await guard.admitCode("t2", key("loop"));
    expect(asked).toEqual(["loop"]);
    await guard.recordStopped("t1", "loop");
    await expect(guard.admitCode("t1", key("loop"))).rejects.toSatisfy((e) => e instanceof RequestError && e.code === "quarantined");
    // Other code of the same tenant, and the same code of another tenant, still run.
    await guard.admitCode("t1", key("other"));
    await guard.admitCode("t2", key("loop"));
    expect(asked).toEqual(["loop", "loop", "other"]);
  });

  it("keeps a stopped code's count in force for its whole window, whichever period it started in", async () => {
    const window = 400;
    const guard = new RunGuard(new MemoryCounterStore(), { ...limits, quarantineWindowMs: window, stoppedThreshold: 1 });
    // Stopped late in one period: its quarantine runs into the next, and the tenant's marks still send the check to it.
    while (Date.now() % window < window - 40) await new Promise((r) => setTimeout(r, 1));
    await guard.recordStopped("t", "loop");
    await new Promise((r) => setTimeout(r, 80));
    await expect(guard.admitCode("t", async () => "loop")).rejects.toSatisfy((e) => e instanceof RequestError && e.code === "quarantined");
    await new Promise((r) => setTimeout(r, window));
    await guard.admitCode("t", async () => "loop");
  });
});
