/**
 * A linear memory's snapshot: a copy of all of it, taken between runs, and put back after each run
 * that starts from it. Shared by both engines (QuickJS sessions and component instances).
 */
export interface MemorySnapshot {
  /** A copy of all of linear memory when the snapshot was taken. */
  readonly memory: Uint8Array;
}

/**
 * Memory an instance kept warm may have grown past its snapshot (pages a restore zeroes and leaves to
 * its allocator): one that grew more is dropped instead of restored (a run that filled its memory).
 */
export const MAX_GROWTH = 16 << 20;

/** What tracks the pages written since a snapshot (a DirtyBitmap): cleared when one is taken, asked to put them back. */
export interface WrittenPages {
  clear(): void;
  /** Puts the written pages back from `snapshot`; the pages copied, or undefined when it copied all of memory. */
  restore(snapshot: Uint8Array): number | undefined;
}

/** A copy of all of `memory` now; the pages `written` tracks start over from it. */
export function captureMemory(memory: WebAssembly.Memory, written?: WrittenPages): Uint8Array {
  written?.clear();
  return new Uint8Array(memory.buffer).slice();
}

/**
 * Puts `snapshot` back into `memory`: with page tracking only the pages written since (the tracker
 * falls back to all of memory when its marks are not trusted), without it all of memory. Memory cannot
 * shrink: what grew past the snapshot is zeroed. The pages copied, or undefined for a full copy.
 */
export function restoreMemory(memory: WebAssembly.Memory, snapshot: Uint8Array, written?: WrittenPages): number | undefined {
  if (written) return written.restore(snapshot);
  restoreAllMemory(new Uint8Array(memory.buffer), snapshot);
  return undefined;
}

/** The full-copy restore, the one implementation: all of `snapshot` over `bytes`, and zeros over what grew past it. */
export function restoreAllMemory(bytes: Uint8Array, snapshot: Uint8Array): void {
  bytes.set(snapshot);
  bytes.fill(0, snapshot.length);
}
