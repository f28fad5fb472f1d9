import { afterAll, describe, expect, it } from "vitest";
import { ThreadBlockingHost } from "../../../src/adapters/node/thread-blocking-host.ts";
import { HostCallError } from "../../../src/errors.ts";
import { testConfig } from "../../helpers/fixtures.ts";

const host = new ThreadBlockingHost({ kvPath: ":memory:" });
const limits = testConfig.hostLimits;
const later = () => Date.now() + 5_000;

afterAll(async () => {
  host.dispose();
  await host.exited;
});

describe("ThreadBlockingHost", () => {
  it("answers kv calls synchronously, from its own thread's store", () => {
    using run = host.open({ grants: { kv: { namespace: "t" }, secrets: {} }, limits, deadline: later() });
    expect(run.call("kv", "set", ["a", "1", null])).toBeNull();
    expect(run.call("kv", "get", ["a"])).toBe("1");
    expect(run.call("kv", "list", ["", null])).toEqual(["a"]);
  });

  it("applies each run's own grants and caps on its side too", () => {
    using run = host.open({ grants: { secrets: {} }, limits, deadline: later() });
    expect(() => run.call("kv", "get", ["a"])).toThrow(expect.objectContaining({ code: "capability_denied" }));
    using capped = host.open({ grants: { kv: { namespace: "t" }, secrets: {} }, limits: { ...limits, kvMaxCalls: 1 }, deadline: later() });
    capped.call("kv", "get", ["a"]);
    expect(() => capped.call("kv", "get", ["a"])).toThrow(expect.objectContaining({ code: "limit_exceeded" }));
  });

  it("gives up at the run's deadline, and a late answer never reaches the next call", () => {
    using late = host.open({ grants: { kv: { namespace: "t" }, secrets: {} }, limits, deadline: Date.now() - 1 });
    let error: unknown;
    try {
      late.call("kv", "set", ["b", "late", null]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HostCallError);
    expect((error as HostCallError).code).toBe("failed");
    using next = host.open({ grants: { kv: { namespace: "t" }, secrets: {} }, limits, deadline: later() });
    expect(next.call("kv", "get", ["a"])).toBe("1");
  });

  it("refuses calls for a run that has ended", () => {
    const run = host.open({ grants: { kv: { namespace: "t" }, secrets: {} }, limits, deadline: later() });
    run.dispose();
    expect(() => run.call("kv", "get", ["a"])).toThrow(expect.objectContaining({ code: "failed" }));
  });
});

describe("ThreadBlockingHost lifetime", () => {
  it("starts its thread only when a run first needs it, and refuses runs once disposed", async () => {
    const idle = new ThreadBlockingHost({ kvPath: ":memory:" });
    idle.dispose();
    await idle.exited;
    expect(() => idle.open({ grants: { secrets: {} }, limits, deadline: later() })).toThrow(expect.objectContaining({ code: "failed" }));
  });
});
