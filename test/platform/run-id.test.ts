import { describe, expect, it } from "vitest";
import { newRunId } from "../../src/platform/run-id.ts";

describe("run ids", () => {
  it("are UUIDv7: version 7, the RFC variant, the start time in the first 48 bits", () => {
    const at = Date.UTC(2026, 11, 2, 16, 30);
    const id = newRunId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it("sort by time, and differ within one millisecond", () => {
    const ids = [newRunId(1_000), newRunId(1_001), newRunId(2_000_000_000_000)];
    expect([...ids].sort()).toEqual(ids);
    const same = new Set(Array.from({ length: 1000 }, () => newRunId(5)));
    expect(same.size).toBe(1000);
  });
});
