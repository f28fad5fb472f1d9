import { describe, expect, it } from "vitest";
import type { OutputEvent } from "../../../src/engine/engine.ts";
import { OutputBatcher } from "../../../src/adapters/node/output-batcher.ts";

describe("OutputBatcher", () => {
  it("sends the first writes at once, then gathers a tight loop's writes into few batches, losing nothing", () => {
    const batches: OutputEvent[][] = [];
    const texts = Array.from({ length: 10_000 }, (_, i) => `line ${i}\n`);
    {
      using batcher = new OutputBatcher((events) => batches.push(events), { intervalMs: 1_000, burst: 3 });
      batcher.push({ stream: "stdout", text: "a" });
      batcher.push({ stream: "log", level: "info", message: "m" });
      batcher.push({ stream: "stderr", text: "b" });
      // The burst is spent: what follows waits for the budget, the size cap, or the end.
      expect(batches).toHaveLength(3);
      for (const text of texts) batcher.push({ stream: "stdout", text });
    }
    expect(batches.slice(0, 3)).toEqual([[{ stream: "stdout", text: "a" }], [{ stream: "log", level: "info", message: "m" }], [{ stream: "stderr", text: "b" }]]);
    // Gathered by the 16 KiB size cap, consecutive stdout text joined, in order.
    expect(batches.length).toBeLessThanOrEqual(3 + Math.ceil(texts.join("").length / 16_384));
    const rest = batches.slice(3).flat();
    expect(rest.every((e) => e.stream === "stdout")).toBe(true);
    expect(rest.map((e) => ("text" in e ? e.text : "")).join("")).toBe(texts.join(""));
  });
});
