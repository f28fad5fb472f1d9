import { restoreAllMemory, type WrittenPages } from "./memory-snapshot.ts";

// The globals live here, not beside the pass (instrument-dirty.ts), so engines use them without loading binaryen.
/** The exported global holding the dirty bitmap's address in linear memory (one byte per 64 KiB page). */
export const DIRTY_BASE_GLOBAL = "__kiln_dirty";
/**
 * The exported global every marked address is shifted right by: 31 until the host sets 16. While it
 * is 31 every mark lands on byte 0 or 1 past the base (0), so an instance nobody set up (a bench
 * instantiating the module by hand) only writes there: both runtimes put their stack first, and
 * those two bytes are the bottom of a 16 MiB (Ruby) or 2 MiB (Python) stack.
 */
export const DIRTY_SHIFT_GLOBAL = "__kiln_dirty_shift";

const PAGE = 65536;
/** The widest store (v128) reaches this far into the page after the one it marks. */
const STORE_OVERHANG = 16;

/** The two globals one instrumented core instance marks through (see instrumentDirty). */
export interface DirtyGlobals {
  base: WebAssembly.Global;
  shift: WebAssembly.Global;
}

/** An instance's dirty globals, or undefined when its module was not instrumented. */
export function dirtyGlobalsOf(instance: WebAssembly.Instance): DirtyGlobals | undefined {
  const base = instance.exports[DIRTY_BASE_GLOBAL];
  const shift = instance.exports[DIRTY_SHIFT_GLOBAL];
  return base instanceof WebAssembly.Global && shift instanceof WebAssembly.Global ? { base, shift } : undefined;
}

/**
 * The dirty-page bitmap of one instance's linear memory: one byte per 64 KiB page (65536 of them
 * cover all of a 32-bit memory), set by the instrumented modules' stores, bulk operations, import
 * calls and realloc exports. It lives in a page the host grows past everything the guest had when
 * tracking started, after a guard page; the guest's allocator never hands out pages it did not grow
 * itself, so no legitimate guest or host write lands in either. A write there sets the mark of its
 * own page, and then the bitmap is not trusted: `restore` copies everything.
 */
export class DirtyBitmap implements WrittenPages {
  private constructor(
    readonly memory: WebAssembly.Memory,
    /** Page index of the guard page (the bitmap page itself where there is none). */
    readonly guardPage: number,
    readonly bitmapPage: number,
  ) {}

  /**
   * Pages that may hold something (`knowTouched`): those holding something when it was called, those
   * marked since, and those the host wrote itself (`touch`). Undefined: not known, any page may. A scan
   * of memory reads only these: reading any other would back it with memory for nothing (V8 faults a
   * wasm memory's pages in on reads too: a scan of a 16 MiB QuickJS instance made all 16 MiB resident).
   */
  #touched: Uint8Array | undefined;
  #touchedCount = 0;

  /**
   * Grows memory by the guard and bitmap pages and points every module's marks at the bitmap.
   * Undefined (no tracking: restores copy everything) when memory is at its cap.
   */
  static enable(memory: WebAssembly.Memory, modules: readonly DirtyGlobals[]): DirtyBitmap | undefined {
    let guardPage: number;
    try {
      guardPage = memory.grow(2);
    } catch {
      return undefined;
    }
    return new DirtyBitmap(memory, guardPage, guardPage + 1).#point(modules);
  }

  /**
   * A bitmap in a page the caller knows the guest never uses (QuickJS: the bottom of its 5 MiB C stack,
   * below the 256 KiB its stack limit lets a script reach), for memories that must not be grown from
   * outside (emscripten's views of memory would go stale). The page must hold zeros.
   */
  static at(memory: WebAssembly.Memory, modules: readonly DirtyGlobals[], options: { page: number }): DirtyBitmap {
    return new DirtyBitmap(memory, options.page, options.page).#point(modules);
  }

  #point(modules: readonly DirtyGlobals[]): this {
    for (const m of modules) {
      m.base.value = this.bitmapPage * PAGE;
      m.shift.value = 16;
    }
    return this;
  }

  /** Marks the pages of [start, end): writes the host makes into guest memory itself (not through a guest export). */
  markRange(start: number, end: number): void {
    if (end <= start) return;
    this.marks.fill(1, Math.floor(start / PAGE), Math.floor((end - 1) / PAGE) + 1);
  }

  /** From now on, tracks which pages may hold something: `pages` do now (nothing else must, but marked ones). */
  knowTouched(pages: Iterable<number>): void {
    this.#touched = new Uint8Array(this.memory.buffer.byteLength / PAGE);
    this.#touchedCount = 0;
    this.touch(pages);
  }

  /** Pages the host wrote without marking them (a snapshot written into a new instance). */
  touch(pages: Iterable<number>): void {
    if (!this.#touched) return;
    for (const p of pages) this.#touchedAt(p);
  }

  /** The pages that may hold something (sorted), or undefined when that is not known. */
  touchedPages(): number[] | undefined {
    this.#fold(this.dirtyPages());
    const touched = this.#touched;
    if (!touched) return undefined;
    const pages: number[] = [];
    for (let p = 0; p < touched.length; p++) if (touched[p]) pages.push(p);
    return pages;
  }

  /** The bytes of the touched pages as of the last clear or restore (undefined when not known): what the instance really holds in memory. */
  touchedBytes(): number | undefined {
    return this.#touched && this.#touchedCount * PAGE;
  }

  /** The marked pages (and the page after each, which a store's overhang may reach) join the touched ones; untrusted marks (undefined) forget them. */
  #fold(marked: readonly number[] | undefined): void {
    if (!this.#touched) return;
    if (!marked) {
      this.#touched = undefined;
      return;
    }
    for (const p of marked) (this.#touchedAt(p), this.#touchedAt(p + 1));
  }

  #touchedAt(page: number): void {
    let touched = this.#touched!;
    const pages = this.memory.buffer.byteLength / PAGE;
    if (page >= pages) return;
    if (touched.length < pages) {
      // Memory grew: its new pages were zeros.
      const grown = new Uint8Array(pages);
      grown.set(touched);
      this.#touched = touched = grown;
    }
    if (!touched[page]) (this.#touchedCount++, (touched[page] = 1));
  }

  /** The marks, one byte per page. */
  get marks(): Uint8Array {
    return new Uint8Array(this.memory.buffer, this.bitmapPage * PAGE, PAGE);
  }

  clear(): void {
    if (this.#touched) this.#fold(this.dirtyPages());
    this.marks.fill(0);
  }

  /** The pages marked since the last clear, or undefined when something wrote the guard or the bitmap page (the marks may be forged). */
  dirtyPages(): number[] | undefined {
    const marks = this.marks;
    if (marks[this.guardPage] || marks[this.bitmapPage]) return undefined;
    const pages: number[] = [];
    const count = this.memory.buffer.byteLength / PAGE;
    for (let p = 0; p < count; p++) if (marks[p]) pages.push(p);
    return pages;
  }

  /**
   * Puts memory back to `snapshot` (taken when the marks were clear): the marked pages are copied
   * from it, or zeroed past its end, and so are the first bytes of the page after each (a store
   * marks the page its address is in, and may run up to 15 bytes into the next). Returns the pages
   * copied, or undefined when the marks were not trusted and all of memory was copied. Clears the marks.
   */
  restore(snapshot: Uint8Array, held?: Uint8Array): number | undefined {
    const bytes = new Uint8Array(this.memory.buffer);
    const pages = this.dirtyPages();
    if (!pages) {
      restoreAllMemory(bytes, snapshot);
      this.#touched = undefined;
      this.marks.fill(0);
      return undefined;
    }
    // A page the snapshot does not hold is zeros there: written as zeros, never read (reading would back it with memory).
    const copy = (from: number, to: number) => {
      if (!held) return bytes.set(snapshot.subarray(from, to), from);
      for (let at = from; at < to; ) {
        const page = Math.floor(at / PAGE);
        const end = Math.min(to, (page + 1) * PAGE);
        if (held[page]) bytes.set(snapshot.subarray(at, end), at);
        else bytes.fill(0, at, end);
        at = end;
      }
    };
    const putBack = (from: number, to: number) => {
      const end = Math.min(to, bytes.length);
      const copied = Math.min(end, snapshot.length);
      if (from < copied) copy(from, copied);
      if (Math.max(from, copied) < end) bytes.fill(0, Math.max(from, copied), end);
    };
    for (let i = 0; i < pages.length; ) {
      // Runs of marked pages go back in one copy.
      let end = pages[i]! + 1;
      const start = pages[i++]!;
      while (i < pages.length && pages[i] === end) (end++, i++);
      putBack(start * PAGE, end * PAGE);
      putBack(end * PAGE, end * PAGE + STORE_OVERHANG);
    }
    this.#fold(pages);
    this.marks.fill(0);
    return pages.length;
  }
}
