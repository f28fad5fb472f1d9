import { describe, expect, it } from "vitest";
import { FairQueue } from "../../../src/adapters/node/fair-queue.ts";

describe("FairQueue", () => {
  it("serves owners in turns, each owner's runs in the order they came", () => {
    const q = new FairQueue<string>();
    for (const item of ["a1", "a2", "a3", "a4"]) q.push("a", item);
    q.push("b", "b1");
    q.push("c", "c1");
    q.push("b", "b2");
    expect(q.size).toBe(7);
    const order = [];
    while (q.size) order.push(q.shift());
    expect(order).toEqual(["a1", "b1", "c1", "a2", "b2", "a3", "a4"]);
    expect(q.shift()).toBeUndefined();
  });

  it("puts an owner that comes back after its line emptied at the back of the turn order", () => {
    const q = new FairQueue<string>();
    q.push("a", "a1");
    q.push("b", "b1");
    expect(q.shift()).toBe("a1");
    q.push("a", "a2");
    q.push("c", "c1");
    expect([q.shift(), q.shift(), q.shift()]).toEqual(["b1", "a2", "c1"]);
  });

  it("puts a run taken back first in its owner's line, and that owner first in the turn order", () => {
    const q = new FairQueue<string>();
    q.push("a", "a2");
    q.push("b", "b1");
    expect(q.has("c")).toBe(false);
    q.unshift("b", "b0");
    q.unshift("c", "c0");
    expect(q.has("c")).toBe(true);
    expect(q.size).toBe(4);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual(["c0", "b0", "a2", "b1"]);
  });

  it("drains every waiting run", () => {
    const q = new FairQueue<number>();
    q.push("a", 1);
    q.push("b", 2);
    q.push("a", 3);
    expect(q.drain().sort()).toEqual([1, 2, 3]);
    expect(q.size).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});
