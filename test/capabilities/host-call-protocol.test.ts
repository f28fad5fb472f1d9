import { describe, expect, it } from "vitest";
import { HostCallServer, SharedAnswerSlot, valueOf, type HostAnswer } from "../../src/capabilities/host-call-protocol.ts";
import { MemoryKvStore } from "../../src/capabilities/kv-store.ts";
import { HostCallError } from "../../src/errors.ts";
import { loadConfig } from "../../src/config.ts";

const limits = loadConfig({}).hostLimits;

describe("SharedAnswerSlot", () => {
  it("hands the caller the answer to its call, across views of the same buffer", () => {
    const caller = new SharedAnswerSlot(1024);
    new SharedAnswerSlot(caller.buffer).write({ id: 7, value: { é: "ü" } });
    expect(caller.wait(7, Date.now() + 1000)).toEqual({ id: 7, value: { é: "ü" } });
  });

  it("skips an earlier call's late answer, and gives up at the deadline", () => {
    const slot = new SharedAnswerSlot(1024);
    slot.write({ id: 1, value: "late" });
    const started = Date.now();
    expect(slot.wait(2, started + 50)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("answers a value too large for the slot with a failed HostError", () => {
    const slot = new SharedAnswerSlot(200);
    slot.write({ id: 3, value: "x".repeat(1000) });
    const answer = slot.wait(3, Date.now() + 1000)!;
    expect(() => valueOf(answer)).toThrow(HostCallError);
    expect(answer).toMatchObject({ error: { code: "failed" } });
  });
});

describe("HostCallServer", () => {
  const answers = (server: HostCallServer, requests: Parameters<HostCallServer["handle"]>[0][]) =>
    new Promise<HostAnswer[]>((resolve) => {
      const got: HostAnswer[] = [];
      const calls = requests.filter((r) => r.op === "call").length;
      for (const r of requests) server.handle(r, (a) => (got.push(a), got.length === calls && resolve(got)));
    });

  it("serves a granted run's kv calls in order, and refuses calls of a run that is not open", async () => {
    const server = new HostCallServer({ kv: new MemoryKvStore() });
    const got = await answers(server, [
      { op: "open", run: 1, grants: { kv: { namespace: "t/ns" }, secrets: {} }, limits, deadline: Date.now() + 10_000 },
      { op: "call", run: 1, id: 1, iface: "kv", fn: "set", args: ["k", "v", null] },
      { op: "call", run: 1, id: 2, iface: "kv", fn: "get", args: ["k"] },
      { op: "call", run: 9, id: 3, iface: "kv", fn: "get", args: ["k"] },
    ]);
    expect(got.map((a) => a.id)).toEqual([1, 2, 3]);
    expect(got[1]).toEqual({ id: 2, value: "v" });
    expect(got[2]).toMatchObject({ id: 3, error: { code: "failed" } });
    server.dispose();
  });
});
