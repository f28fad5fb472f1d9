/** Recordings in every platform store on Node: kept per tenant, within retention, gone with their tenant; a script's `record` deploy option survives storage. */
import { describe, expect, it } from "vitest";
import { nodePlatformStores } from "../helpers/platform-stores.ts";
import type { Recording } from "../../src/platform/recording.ts";

const { stores, skip } = nodePlatformStores("recording tests");

const recording = (runId: string, recordedAt = Date.now()): Recording => ({
  format: 1,
  runId,
  recordedAt,
  language: "javascript",
  code: "export default () => Math.random()",
  inputJson: "null",
  limits: { fuel: 1000, memoryMb: 64, timeoutMs: 1000, maxOutputBytes: 1024, maxResultBytes: 1024 } as Recording["limits"],
  grants: { kv: { namespace: "n" }, secrets: ["token"] },
  tape: { seeds: ["1"], clock: ["1700000000000"], calls: [{ call: "kv.get", args: ["k"], value: "v" }, { call: "secrets.get", args: ["token"], secret: true }] },
  outcome: { ok: true, result: 0.5, stdout: "", stderr: "", logs: [], fuel: 3 },
});
const tenant = (id: string) => ({ id, name: `name-${id}`, grants: { httpAllow: [], kvMaxKeys: 10 }, createdAt: 1 });
const keep = { maxRuns: 2, maxAgeMs: 60_000 };

for (const [name, make] of stores) {
  describe.skipIf(skip(name))(name, () => {
    it("keeps a tenant's recordings, its newest within the retention's count and age, and another tenant's apart", async () => {
      using store = await make();
      const first = recording("r1", Date.now() - 3);
      await store.putRecording("a", first, keep);
      expect(await store.getRecording("a", "r1")).toEqual(first);
      expect((await store.getRecording("a", "r1"))?.tape.calls[1]).toEqual({ call: "secrets.get", args: ["token"], secret: true });
      expect(await store.getRecording("b", "r1")).toBeUndefined();
      await store.putRecording("a", recording("r2", Date.now() - 2), keep);
      await store.putRecording("a", recording("r3", Date.now() - 1), keep);
      // The count: the oldest goes.
      expect(await store.getRecording("a", "r1")).toBeUndefined();
      expect((await store.getRecording("a", "r3"))?.runId).toBe("r3");
      // The age: one older than it is dropped when the next is stored.
      await store.putRecording("b", recording("old", Date.now() - 120_000), keep);
      await store.putRecording("b", recording("new"), keep);
      expect(await store.getRecording("b", "old")).toBeUndefined();
      expect((await store.getRecording("b", "new"))?.runId).toBe("new");
      expect((await store.getRecording("a", "r2"))?.runId).toBe("r2");
    });

    it("deletes a tenant's recordings with it, and keeps a script's record option", async () => {
      using store = await make();
      await store.createTenant(tenant("t"));
      await store.putRecording("t", recording("r"), keep);
      const deployed = await store.deployScript("t", "hook", { language: "javascript", code: "1", grants: {}, record: true });
      expect((await store.getActiveScript("t", "hook"))?.record).toBe(true);
      expect(deployed.record).toBe(true);
      expect(await store.deleteTenant("t")).toBe(true);
      expect(await store.getRecording("t", "r")).toBeUndefined();
    });
  });
}
