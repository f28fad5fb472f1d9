import type { QuickJSInstance } from "./quickjs-instance.ts";

/**
 * QuickJS instances between runs, kept for reuse per memory cap and build: at most `perCap` for each,
 * and at most `maxBytes` of linear memory across all of them, the least recently used cap's instances
 * dropped first. A tenant sweeping `memoryMb` cannot make a worker keep an instance per value.
 */
export class IdleInstances {
  /** Most recently used key last (Map order). */
  readonly #lists = new Map<string, QuickJSInstance[]>();
  #bytes = 0;

  constructor(private readonly options: { perCap: number; maxBytes: number; drop: (instance: QuickJSInstance) => void }) {}

  /** Bytes the kept instances' memories hold. */
  get bytes(): number {
    return this.#bytes;
  }

  take(memoryMb: number, tracked: boolean): QuickJSInstance | undefined {
    const instance = this.#lists.get(key(memoryMb, tracked))?.pop();
    if (instance) this.#bytes -= instance.memory.buffer.byteLength;
    return instance;
  }

  /** Keeps `instance` if its cap has room, else drops it; then drops the least recently used until within `maxBytes`. */
  give(instance: QuickJSInstance): void {
    const k = key(instance.memoryMb, instance.tracking !== undefined);
    const list = this.#lists.get(k) ?? [];
    if (list.length >= this.options.perCap) return this.options.drop(instance);
    list.push(instance);
    this.#bytes += instance.memory.buffer.byteLength;
    this.#lists.delete(k);
    this.#lists.set(k, list);
    for (const [oldest, kept] of this.#lists) {
      if (this.#bytes <= this.options.maxBytes) break;
      while (kept.length && this.#bytes > this.options.maxBytes) {
        const dropped = kept.shift()!;
        this.#bytes -= dropped.memory.buffer.byteLength;
        this.options.drop(dropped);
      }
      if (!kept.length) this.#lists.delete(oldest);
    }
  }

  clear(): void {
    for (const list of this.#lists.values()) for (const instance of list.splice(0)) this.options.drop(instance);
    this.#lists.clear();
    this.#bytes = 0;
  }
}

const key = (memoryMb: number, tracked: boolean) => `${tracked ? "tracked" : "plain"}/${memoryMb}`;
