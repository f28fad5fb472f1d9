/**
 * A linear memory's snapshot: a copy of all of it, taken between runs, and put back after each run
 * that starts from it. Shared by both engines (QuickJS sessions and component instances).
 */
export interface MemorySnapshot {
  /**
   * A copy of all of linear memory when the snapshot was taken. Only the pages `held` marks were
   * written into it; the rest are zeros the system never backed with memory, and nothing reads them.
   */
  readonly memory: Uint8Array;
  /** One byte per page of `memory`: 1 where the page holds something (undefined: any page may). */
  readonly held?: Uint8Array;
}

/** What a snapshot really holds: its pages holding something (the other pages of its copy were never backed). */
export function heldBytes(snapshot: MemorySnapshot): number {
  const { held } = snapshot;
  if (!held) return snapshot.memory.length;
  let bytes = heldCounts.get(held);
  if (bytes === undefined) {
    let pages = 0;
    for (const h of held) pages += h;
    heldCounts.set(held, (bytes = pages * PAGE));
  }
  return bytes;
}

/** heldBytes by `held` array (a snapshot's never changes), counted once: the warm pool asks on every run. */
const heldCounts = new WeakMap<Uint8Array, number>();

/**
 * Memory an instance kept warm may have grown past its snapshot (pages a restore zeroes and leaves to
 * its allocator): one that grew more is dropped instead of restored (a run that filled its memory).
 */
export const MAX_GROWTH = 16 << 20;

/** What tracks the pages written since a snapshot (a DirtyBitmap): cleared when one is taken, asked to put them back. */
export interface WrittenPages {
  clear(): void;
  /** The pages that may hold something (the rest are zeros never written), or undefined when any may. */
  touchedPages?(): readonly number[] | undefined;
  /** Puts the written pages back from `snapshot`; the pages copied, or undefined when it copied all of memory. */
  restore(snapshot: Uint8Array, held?: Uint8Array): number | undefined;
}

const PAGE = 65_536;
const PAGE_WORDS = PAGE / 4;

/** Whether the 64 KiB page at word `from` of `words` is all zeros. */
function zeroPage(words: Int32Array, from: number): boolean {
  for (let i = from, end = from + PAGE_WORDS; i < end; i += 4) {
    if ((words[i]! | words[i + 1]! | words[i + 2]! | words[i + 3]!) !== 0) return false;
  }
  return true;
}

/**
 * A copy of all of `memory` now; the pages `written` tracks start over from it. Only the pages holding
 * something are written into the copy: the rest of it stays as the allocator gave it, zeros the system
 * has not backed with memory yet, so a snapshot of a 16 MiB instance whose program touched 2 MiB holds
 * about 2 MiB (a full `slice()` would hold all 16).
 */
export function captureMemory(memory: WebAssembly.Memory, written?: WrittenPages): Uint8Array {
  return capturePages(memory, written).memory;
}

/**
 * `length` zero bytes that take no memory until written. A resizable ArrayBuffer is reserved and
 * committed as pages of its own (V8: never from malloc), so its untouched pages stay unbacked; a plain
 * one may come from malloc's heap, which zeroes it by writing every byte (glibc does once its mmap
 * threshold has risen past the size, after a buffer that large was freed) and so backs all of it.
 */
function unbackedZeros(length: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(length, { maxByteLength: length }), 0, length);
}

/** captureMemory's copy, with which of its pages hold something (a MemorySnapshot's two fields). */
export function capturePages(memory: WebAssembly.Memory, written?: WrittenPages): { memory: Uint8Array; held: Uint8Array } {
  // Only the pages that may hold something are read, when the tracker knows them: reading the others would fault them in.
  const touched = written?.touchedPages?.();
  written?.clear();
  const bytes = new Uint8Array(memory.buffer);
  const copy = unbackedZeros(bytes.length);
  const held = new Uint8Array(bytes.length / PAGE);
  const words = new Int32Array(memory.buffer);
  const hold = (page: number) => {
    const from = page * PAGE;
    if (!zeroPage(words, from / 4)) (copy.set(bytes.subarray(from, from + PAGE), from), (held[page] = 1));
  };
  if (touched) for (const page of touched) hold(page);
  else for (let page = 0; page < held.length; page++) hold(page);
  return { memory: copy, held };
}

/** The pages a snapshot's `held` marks. */
export function* heldPageList(held: Uint8Array): Generator<number> {
  for (let page = 0; page < held.length; page++) if (held[page]) yield page;
}

/** The pages of `bytes` holding something: a full scan (it reads, and so faults in, every page). */
export function nonZeroPages(bytes: Uint8Array): number[] {
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const pages: number[] = [];
  for (let page = 0; page * PAGE < bytes.length; page++) if (!zeroPage(words, (page * PAGE) / 4)) pages.push(page);
  return pages;
}

/**
 * Writes a snapshot over the memory of a new instance whose only pages holding something are `dirty`
 * (what instantiation wrote: the same pages in every new instance of a module): the snapshot's held
 * pages are copied and the other dirty pages zeroed. No other page is read or written, so none is
 * faulted in: the cost is the copy of what the snapshot holds.
 */
export function writeHeldPages(bytes: Uint8Array, snapshot: Required<MemorySnapshot>, dirty: readonly number[]): void {
  const { memory, held } = snapshot;
  for (let page = 0; page < held.length; page++) {
    if (!held[page]) continue;
    // Runs of held pages go in one copy.
    let end = page + 1;
    while (end < held.length && held[end]) end++;
    bytes.set(memory.subarray(page * PAGE, end * PAGE), page * PAGE);
    page = end;
  }
  for (const page of dirty) if (!(page < held.length && held[page])) bytes.fill(0, page * PAGE, (page + 1) * PAGE);
}

/**
 * Writes `snapshot` over `bytes` (the memory of a new instance of the snapshot's module, at least as
 * large), touching only the pages that differ from zeros on either side: pages of the snapshot holding
 * something are copied, pages of the instance holding something the snapshot has as zeros are zeroed,
 * and pages zero in both are left alone (never faulted in). What grew past the snapshot is zeroed. The
 * result is all of `snapshot`, byte for byte, as restoreAllMemory's.
 */
export function writeMemory(bytes: Uint8Array, snapshot: Uint8Array): void {
  if (bytes.byteOffset % 4 || snapshot.byteOffset % 4 || bytes.length % PAGE || snapshot.length % PAGE) return restoreAllMemory(bytes, snapshot);
  const target = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const source = new Int32Array(snapshot.buffer, snapshot.byteOffset, snapshot.length / 4);
  for (let from = 0; from < bytes.length; from += PAGE) {
    if (from < snapshot.length && !zeroPage(source, from / 4)) bytes.set(snapshot.subarray(from, from + PAGE), from);
    else if (!zeroPage(target, from / 4)) bytes.fill(0, from, from + PAGE);
  }
}

/**
 * Puts `snapshot` back into `memory`: with page tracking only the pages written since (the tracker
 * falls back to all of memory when its marks are not trusted), without it all of memory. Memory cannot
 * shrink: what grew past the snapshot is zeroed. The pages copied, or undefined for a full copy.
 */
export function restoreMemory(memory: WebAssembly.Memory, snapshot: Uint8Array, written?: WrittenPages, held?: Uint8Array): number | undefined {
  if (written) return written.restore(snapshot, held);
  restoreAllMemory(new Uint8Array(memory.buffer), snapshot);
  return undefined;
}

/** The full-copy restore, the one implementation: all of `snapshot` over `bytes`, and zeros over what grew past it. */
export function restoreAllMemory(bytes: Uint8Array, snapshot: Uint8Array): void {
  bytes.set(snapshot);
  bytes.fill(0, snapshot.length);
}
