/** Sparse snapshots: a capture copies only pages holding something, and writeMemory puts back every byte. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { captureMemory, capturePages, heldBytes, nonZeroPages, writeHeldPages, writeMemory } from "../../../src/engine/wasm/memory-snapshot.ts";
import { DirtyBitmap } from "../../../src/engine/wasm/dirty-bitmap.ts";

const PAGE = 65_536;

/** A memory of `pages` pages with bytes written at `writes` (page, offset, value). */
function memoryWith(pages: number, writes: [number, number, number][]): WebAssembly.Memory {
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages + 4 });
  const bytes = new Uint8Array(memory.buffer);
  for (const [page, offset, value] of writes) bytes[(page % pages) * PAGE + offset] = value;
  return memory;
}

/** The first index where two byte arrays differ (-1: none), so a failure names a byte instead of diffing megabytes. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

const writes = (pages: number) => fc.array(fc.tuple(fc.nat(pages - 1), fc.nat(PAGE - 1), fc.integer({ min: 1, max: 255 })), { maxLength: 40 });

describe("memory snapshots", () => {
  it("a capture equals memory byte for byte, whichever pages hold something", () => {
    fc.assert(
      fc.property(writes(8), (w) => {
        const memory = memoryWith(8, w);
        expect(firstDifference(captureMemory(memory), new Uint8Array(memory.buffer))).toBe(-1);
      }),
      { numRuns: 30 },
    );
  });

  it("writeMemory leaves exactly the snapshot over any earlier content, and zeros what grew past it", () => {
    fc.assert(
      fc.property(writes(6), writes(8), (snap, garbage) => {
        const snapshot = captureMemory(memoryWith(6, snap));
        const target = memoryWith(8, garbage);
        writeMemory(new Uint8Array(target.buffer), snapshot);
        const expected = new Uint8Array(8 * PAGE);
        expected.set(snapshot);
        expect(firstDifference(new Uint8Array(target.buffer), expected)).toBe(-1);
      }),
      { numRuns: 30 },
    );
  });

  it("capturePages marks exactly the pages holding something, and heldBytes counts only those", () => {
    fc.assert(
      fc.property(writes(8), (w) => {
        const memory = memoryWith(8, w);
        const { memory: copy, held } = capturePages(memory);
        expect(firstDifference(copy, new Uint8Array(memory.buffer))).toBe(-1);
        const pages = nonZeroPages(new Uint8Array(memory.buffer));
        expect([...held.keys()].filter((p) => held[p])).toEqual(pages);
        expect(heldBytes({ memory: copy, held })).toBe(pages.length * PAGE);
      }),
      { numRuns: 30 },
    );
  });

  it("writeHeldPages over an instance whose only non-zero pages are the ones named leaves exactly the snapshot", () => {
    fc.assert(
      fc.property(writes(6), writes(6), (snap, start) => {
        const snapshot = capturePages(memoryWith(6, snap));
        const target = memoryWith(6, start);
        writeHeldPages(new Uint8Array(target.buffer), snapshot, nonZeroPages(new Uint8Array(target.buffer)));
        expect(firstDifference(new Uint8Array(target.buffer), snapshot.memory)).toBe(-1);
      }),
      { numRuns: 30 },
    );
  });

  it("a dirty-page restore with `held` writes zeros for the pages the snapshot does not hold, byte for byte", () => {
    fc.assert(
      fc.property(writes(6), writes(6), (snap, run) => {
        // Page 5 holds the bitmap: the writes go to pages 0 to 4.
        const memory = memoryWith(6, snap.map(([p, o, v]) => [p % 5, o, v]));
        const bitmap = DirtyBitmap.at(memory, [], { page: 5 });
        const snapshot = capturePages(memory, bitmap);
        const bytes = new Uint8Array(memory.buffer);
        for (const [page, offset, value] of run) {
          bytes[(page % 5) * PAGE + offset] = value;
          bitmap.markRange((page % 5) * PAGE + offset, (page % 5) * PAGE + offset + 1);
        }
        bitmap.restore(snapshot.memory, snapshot.held);
        expect(firstDifference(bytes.subarray(0, 5 * PAGE), snapshot.memory.subarray(0, 5 * PAGE))).toBe(-1);
      }),
      { numRuns: 30 },
    );
  });
});
