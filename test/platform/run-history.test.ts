/** Run history in every PlatformStore (memory, SQLite, Redis): storing, paging newest first, filters, retention, tenants kept apart. */
import { describe, expect, it } from "vitest";
import { nodePlatformStores } from "../helpers/platform-stores.ts";
import { decodeCursor, encodeCursor } from "../../src/platform/run-history.ts";
import { runHistoryCases } from "./run-history-cases.ts";

const { stores, skip } = nodePlatformStores("run history tests");

for (const [name, make] of stores) {
  describe.skipIf(skip(name))(name, () => runHistoryCases(make));
}

describe("cursors", () => {
  it("name a position and refuse anything else with a 400", () => {
    const position = { startedAt: 1_700_000_000_123, id: "0b5f3c8e-2f4a-4d7c-9a51-3e2d1c0b9a87" };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
    expect(encodeCursor(position)).toMatch(/^[A-Za-z0-9_-]+$/);
    for (const bad of ["", "nope", "!!!", btoa("[1]"), btoa('["x","y"]'), btoa("[1.5,\"a\"]"), btoa('[1,""]')]) {
      expect(() => decodeCursor(bad), bad).toThrow(expect.objectContaining({ code: "invalid_request" }));
    }
  });
});
