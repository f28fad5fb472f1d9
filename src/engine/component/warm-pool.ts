import type { PreparedComponentRuntime } from "./prepared-runtime.ts";
import { isNearCapBytes } from "../../limits/memory.ts";
import { ComponentInstance, type InstanceSnapshot } from "./component-instance.ts";
import { restoreDifferences } from "../wasm/restore-differences.ts";

interface Warm {
  instance: ComponentInstance;
  snapshot: InstanceSnapshot;
}

/**
 * Initialised instances kept per runtime, each with the snapshot taken right after its initialisation.
 * The memory cap is set per run (CAP_GLOBAL), so an instance serves any cap its snapshot fits under. A run borrows one; after a clean run its memory and every mutable global are put
 * back from the snapshot (the pages the run wrote, or all of memory when they are not tracked or the
 * marks are not trusted; memory the run grew is zeroed: nothing of the run survives), and it waits
 * for the next run, however the guest's run ended (a trap or the deadline included: memory and globals
 * are all the state an instance has). An instance whose output overflowed (its streams are closed), whose
 * run failed in the host, or whose memory has grown more than MAX_GROWTH past the snapshot (a run that
 * filled its memory) is dropped instead. All kept
 * instances together, with their snapshots, stay within `maxBytes`, across runtimes: the least recently
 * used go first.
 */
export class WarmPool implements Disposable {
  readonly #idle = new Map<string, Warm[]>();
  readonly #size: number;
  readonly #maxBytes: number;
  readonly #verify: boolean;
  #hits = 0;
  #misses = 0;
  #pageRestores = 0;
  #fullRestores = 0;
  #pagesCopied = 0;
  #evictions = 0;

  /** `verify` compares all of memory and every state global with the snapshot after each restore and throws on a difference (tests). */
  constructor(options: { size: number; maxBytes?: number; verify?: boolean }) {
    this.#size = options.size;
    this.#maxBytes = options.maxBytes ?? Infinity;
    this.#verify = options.verify ?? false;
  }

  /** Pool hits and misses so far, restores that copied only dirty pages (and how many) or all of memory, instances dropped for the budget, and the bytes kept now. */
  get stats() {
    return { hits: this.#hits, misses: this.#misses, pageRestores: this.#pageRestores, fullRestores: this.#fullRestores, pagesCopied: this.#pagesCopied, evictions: this.#evictions, bytes: this.bytes };
  }

  /** Whether instances are kept at all (`size` > 0): with none, a warm runtime starts a new instance per run, without a snapshot. */
  get keeps(): boolean {
    return this.#size > 0;
  }

  /** Memory held by the kept instances and their snapshots. */
  get bytes(): number {
    let total = 0;
    for (const idle of this.#idle.values()) for (const w of idle) total += w.instance.memory.buffer.byteLength + w.snapshot.memory.length;
    return total;
  }

  async borrow(runtime: PreparedComponentRuntime, options: Parameters<typeof ComponentInstance.start>[1]): Promise<Warm> {
    const list = this.#used(key(runtime));
    // The most recently kept instance whose snapshot leaves room under this run's cap.
    const at = list?.findLastIndex((w) => !isNearCapBytes(w.snapshot.memory.length, options.memoryMb)) ?? -1;
    const idle = at >= 0 ? list!.splice(at, 1)[0] : undefined;
    if (idle) {
      this.#hits++;
      idle.instance.host.reset({ maxOutputBytes: options.maxOutputBytes });
      return idle;
    }
    this.#misses++;
    const instance = await ComponentInstance.start(runtime, options);
    return { instance, snapshot: instance.snapshot() };
  }

  /** Takes an instance back after a run; `clean` says the guest's run ended (traps included) with its output streams open, and the host did not fail. */
  give(runtime: PreparedComponentRuntime, warm: Warm, clean: boolean): void {
    warm.instance.kiln.current = undefined;
    const idle = this.#used(key(runtime)) ?? [];
    if (!clean || idle.length >= this.#size || warm.instance.memory.buffer.byteLength > warm.snapshot.memory.length + MAX_GROWTH) return;
    const copied = warm.instance.restore(warm.snapshot);
    if (copied === undefined) this.#fullRestores++;
    else (this.#pageRestores++, (this.#pagesCopied += copied));
    if (this.#verify) {
      const differences = restoreDifferences(warm.instance, warm.snapshot);
      if (differences.length) throw new Error(`warm pool: the restored instance differs from its snapshot: ${differences.slice(0, 20).join("; ")}`);
    }
    idle.push(warm);
    this.#idle.set(key(runtime), idle);
    // Least recently used keys first (Map order), oldest instance of each first.
    for (const [k, list] of this.#idle) {
      while (list.length && this.bytes > this.#maxBytes) (list.shift(), this.#evictions++);
      if (!list.length) this.#idle.delete(k);
      if (this.bytes <= this.#maxBytes) break;
    }
  }

  /** The kept instances for `k`, now the most recently used key. */
  #used(k: string): Warm[] | undefined {
    const idle = this.#idle.get(k);
    if (idle) (this.#idle.delete(k), this.#idle.set(k, idle));
    return idle;
  }

  dispose(): void {
    this.#idle.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Memory a pooled instance may have grown past its snapshot (pages that are zeroed and left to its allocator). */
const MAX_GROWTH = 16 << 20;

const key = (runtime: PreparedComponentRuntime) => runtime.language.name;
