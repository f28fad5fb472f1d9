import type { PreparedComponentRuntime } from "./component-engine.ts";
import { ComponentInstance, type InstanceSnapshot } from "./component-instance.ts";

interface Warm {
  instance: ComponentInstance;
  snapshot: InstanceSnapshot;
}

/**
 * Initialised instances kept per runtime and memory cap, each with the snapshot taken right after its
 * initialisation. A run borrows one; after a clean run its memory and every mutable global are put
 * back from the snapshot (a full copy, and memory the run grew is zeroed: nothing of the run survives),
 * and it waits for the next run. An instance that trapped or overflowed its output, or whose memory
 * has grown more than MAX_GROWTH past the snapshot over its runs, is dropped instead.
 */
export class WarmPool implements Disposable {
  readonly #idle = new Map<string, Warm[]>();
  readonly #size: number;
  #hits = 0;
  #misses = 0;

  constructor(options: { size: number }) {
    this.#size = options.size;
  }

  /** Pool hits and misses so far. */
  get stats() {
    return { hits: this.#hits, misses: this.#misses };
  }

  async borrow(runtime: PreparedComponentRuntime, options: Parameters<typeof ComponentInstance.start>[1]): Promise<Warm> {
    const idle = this.#idle.get(key(runtime, options.memoryMb))?.pop();
    if (idle) {
      this.#hits++;
      idle.instance.host.reset({ maxOutputBytes: options.maxOutputBytes });
      return idle;
    }
    this.#misses++;
    const instance = await ComponentInstance.start(runtime, options);
    return { instance, snapshot: instance.snapshot() };
  }

  /** Takes an instance back after a run; `clean` says the run ended without a trap, overflow or growth. */
  give(runtime: PreparedComponentRuntime, memoryMb: number, warm: Warm, clean: boolean): void {
    warm.instance.kiln.current = undefined;
    const idle = this.#idle.get(key(runtime, memoryMb)) ?? [];
    if (!clean || idle.length >= this.#size || warm.instance.memory.buffer.byteLength > warm.snapshot.memory.length + MAX_GROWTH) return;
    warm.instance.restore(warm.snapshot);
    idle.push(warm);
    this.#idle.set(key(runtime, memoryMb), idle);
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

const key = (runtime: PreparedComponentRuntime, memoryMb: number) => `${runtime.language.name}/${memoryMb}`;
