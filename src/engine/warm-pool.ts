import { heldBytes, MAX_GROWTH, type MemorySnapshot } from "./wasm/memory-snapshot.ts";

/** An instance the pool can keep: anything with a linear memory (a component instance, a QuickJS session or instance). */
export interface PooledInstance {
  readonly memory: WebAssembly.Memory;
  /** The bytes of memory the instance really holds, when it knows (pages never touched hold none); else all of it counts. */
  residentBytes?(): number | undefined;
}

/** A kept instance and the snapshot it is restored to after each run (undefined: it is kept as the run left it). */
export interface Warm<I extends PooledInstance, S extends MemorySnapshot | undefined> {
  readonly instance: I;
  readonly snapshot: S;
}

/** The one shape of a warm pool's counts, for every engine. */
export interface WarmPoolStats {
  /** Borrows that found a kept instance. */
  hits: number;
  /** Borrows that found none (the engine then starts or restores one). */
  misses: number;
  /** Instances kept now. */
  instances: number;
  /** Snapshots kept now (pinned per key, or one per kept instance). */
  snapshots: number;
  /**
   * Bytes the kept instances and the snapshots really hold: a snapshot its pages holding something (the
   * rest of its copy is never backed), an instance all of its memory (a capture reads every page of it,
   * and a read backs a page as a write does).
   */
  bytes: number;
  /** Instances and snapshots dropped for the byte budget, least recently used first. */
  evictions: number;
  /** Restores that copied only the pages a run wrote, and those pages in all. */
  pageRestores: number;
  pagesCopied: number;
  /** Restores that copied all of memory (no page tracking, or its marks not trusted). */
  fullRestores: number;
}

export interface WarmPoolOptions<I extends PooledInstance, S extends MemorySnapshot | undefined> {
  /** Instances kept per key; 0 keeps none. */
  perKey: number;
  /** Bytes all kept instances and snapshots may hold together, across keys (default: no bound). */
  maxBytes?: number;
  /**
   * `pinned`: a key holds one snapshot (`pin`) that its instances share and that stays while none is
   * kept (QuickJS sessions by snapshot key); `own`: every instance has its own snapshot, or none
   * (component instances by runtime, QuickJS instances by cap).
   */
  snapshots: "pinned" | "own";
  /** Puts an instance back to its snapshot (memory and every other piece of its state): the pages copied, or undefined for a full copy. */
  restore?: (instance: I, snapshot: NonNullable<S>) => number | undefined;
  /** With `verifyRestores`: how a restored instance differs from its snapshot (empty: not at all). */
  differences?: (instance: I, snapshot: NonNullable<S>) => string[];
  /** After every restore, check the instance byte for byte against its snapshot and throw on a difference (tests; slow). */
  verifyRestores?: boolean;
  /** Gets every instance the pool lets go (refused when given back, evicted, cleared). */
  drop?: (instance: I) => void;
}

/** One key's snapshot (pinned mode) and its kept instances, oldest first. */
interface Shelf<I extends PooledInstance, S extends MemorySnapshot | undefined> {
  snapshot: S | undefined;
  idle: Warm<I, S>[];
}

/**
 * Warm instances by key, for both engines: a run borrows one, gives it back when it ends, and the pool
 * restores it to its snapshot (the pages the run wrote, or all of memory; memory grown past the
 * snapshot zeroed) and keeps it for the next run. It drops instead an instance the engine says is not
 * clean (poisoned, ended near its memory cap, its output closed, a host failure), one a key has no room
 * for (`perKey`), one whose memory grew more than MAX_GROWTH past its snapshot, and one whose pinned
 * snapshot is gone. Everything kept, snapshots included, stays within `maxBytes` across keys: the least
 * recently used key gives up its instances first (oldest first), then its snapshot.
 */
export class WarmPool<I extends PooledInstance, S extends MemorySnapshot | undefined = undefined> implements Disposable {
  /** Least recently used key first (Map order). */
  readonly #shelves = new Map<string, Shelf<I, S>>();
  readonly #options: WarmPoolOptions<I, S>;
  readonly #maxBytes: number;
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  #evictions = 0;
  #pageRestores = 0;
  #pagesCopied = 0;
  #fullRestores = 0;
  #disposed = false;

  constructor(options: WarmPoolOptions<I, S>) {
    this.#options = options;
    this.#maxBytes = options.maxBytes ?? Infinity;
  }

  /** Whether instances are kept at all (`perKey` > 0). */
  get keeps(): boolean {
    return this.#options.perKey > 0;
  }

  /** Bytes held now: kept instances' memories and snapshots. */
  get bytes(): number {
    return this.#bytes;
  }

  get stats(): WarmPoolStats {
    let instances = 0;
    let snapshots = 0;
    for (const shelf of this.#shelves.values()) {
      instances += shelf.idle.length;
      if (shelf.snapshot) snapshots++;
      else for (const w of shelf.idle) if (w.snapshot) snapshots++;
    }
    return {
      hits: this.#hits,
      misses: this.#misses,
      instances,
      snapshots,
      bytes: this.#bytes,
      evictions: this.#evictions,
      pageRestores: this.#pageRestores,
      pagesCopied: this.#pagesCopied,
      fullRestores: this.#fullRestores,
    };
  }

  /**
   * Pins `snapshot` as `key`'s (pinned mode), replacing one pinned before (and the instances kept in
   * its state), then evicts down to the budget. False when it alone is larger than the budget.
   */
  pin(key: string, snapshot: NonNullable<S>): boolean {
    if (this.#disposed || heldBytes(snapshot) > this.#maxBytes) return false;
    this.evict(key);
    this.#shelves.set(key, { snapshot, idle: [] });
    this.#bytes += heldBytes(snapshot);
    this.#fit();
    return true;
  }

  /** The snapshot pinned for `key`, now the most recently used key. */
  pinned(key: string): S | undefined {
    return this.#used(key)?.snapshot;
  }

  /**
   * A kept instance for `key`, now the most recently used key: the most recently kept one `fits`
   * accepts (undefined: a miss, counted; the engine starts or restores one and gives it back after its run).
   */
  borrow(key: string, fits?: (warm: Warm<I, S>) => boolean): Warm<I, S> | undefined {
    const idle = this.#used(key)?.idle;
    const at = !idle ? -1 : fits ? idle.findLastIndex(fits) : idle.length - 1;
    if (at < 0) {
      this.#misses++;
      return undefined;
    }
    const warm = at === idle!.length - 1 ? idle!.pop()! : idle!.splice(at, 1)[0]!;
    this.#bytes -= this.#cost(warm);
    this.#hits++;
    return warm;
  }

  /**
   * Takes an instance back after its run (`clean`: the engine may reuse it): restored to its snapshot
   * and kept, or dropped. True when kept. (`clean` is a plain flag: this runs once per run.)
   */
  give(key: string, warm: Warm<I, S>, clean: boolean): boolean {
    const shelf = this.#shelves.get(key);
    const { snapshot, instance } = warm;
    const refused =
      this.#disposed ||
      !clean ||
      (this.#options.snapshots === "pinned" && (!shelf || shelf.snapshot !== snapshot)) ||
      (shelf?.idle.length ?? 0) >= this.#options.perKey ||
      (snapshot !== undefined && instance.memory.buffer.byteLength > snapshot.memory.length + MAX_GROWTH);
    if (refused) {
      this.#options.drop?.(instance);
      return false;
    }
    if (snapshot !== undefined && this.#options.restore) this.#restore(instance, snapshot as NonNullable<S>);
    const kept = shelf ?? { snapshot: undefined, idle: [] };
    kept.idle.push(warm);
    this.#shelves.delete(key);
    this.#shelves.set(key, kept);
    this.#bytes += this.#cost(warm);
    this.#fit();
    return kept.idle.includes(warm);
  }

  #restore(instance: I, snapshot: NonNullable<S>): void {
    const copied = this.#options.restore!(instance, snapshot);
    if (copied === undefined) this.#fullRestores++;
    else (this.#pageRestores++, (this.#pagesCopied += copied));
    if (!this.#options.verifyRestores || !this.#options.differences) return;
    const differences = this.#options.differences(instance, snapshot);
    if (differences.length) {
      this.#options.drop?.(instance);
      throw new Error(`warm pool: a restored instance differs from its snapshot: ${differences.slice(0, 20).join("; ")}`);
    }
  }

  /** Drops everything kept for `key`: its instances and its pinned snapshot. */
  evict(key: string): void {
    const shelf = this.#shelves.get(key);
    if (!shelf) return;
    this.#shelves.delete(key);
    for (const warm of shelf.idle.splice(0)) this.#let(warm);
    if (shelf.snapshot) this.#bytes -= heldBytes(shelf.snapshot);
  }

  /** Drops everything kept. */
  clear(): void {
    for (const key of [...this.#shelves.keys()]) this.evict(key);
  }

  /** Clears the pool; instances given back after this are dropped. */
  dispose(): void {
    this.#disposed = true;
    this.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Within the budget again: the least recently used keys give up their instances (oldest first), then their snapshots. */
  #fit(): void {
    // The common case, checked before iterating: a give back within the budget costs no more.
    if (this.#bytes <= this.#maxBytes) return;
    for (const [key, shelf] of this.#shelves) {
      if (this.#bytes <= this.#maxBytes) return;
      while (shelf.idle.length && this.#bytes > this.#maxBytes) (this.#let(shelf.idle.shift()!), this.#evictions++);
      if (shelf.idle.length) return;
      if (shelf.snapshot && this.#bytes > this.#maxBytes) this.#evictions++;
      else if (shelf.snapshot) continue;
      this.#shelves.delete(key);
      if (shelf.snapshot) this.#bytes -= heldBytes(shelf.snapshot);
    }
  }

  /** Lets a kept instance go. */
  #let(warm: Warm<I, S>): void {
    this.#bytes -= this.#cost(warm);
    this.#options.drop?.(warm.instance);
  }

  /** What a kept instance costs: its memory (the pages it touched, when it knows them), and its own snapshot's held pages (a pinned one is charged to its key). */
  #cost(warm: Warm<I, S>): number {
    const own = this.#options.snapshots === "own" && warm.snapshot !== undefined ? heldBytes(warm.snapshot) : 0;
    return (warm.instance.residentBytes?.() ?? warm.instance.memory.buffer.byteLength) + own;
  }

  /** The shelf for `key`, now the most recently used. */
  #used(key: string): Shelf<I, S> | undefined {
    const shelf = this.#shelves.get(key);
    if (shelf) (this.#shelves.delete(key), this.#shelves.set(key, shelf));
    return shelf;
  }
}
