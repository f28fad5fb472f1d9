/**
 * Storage behind the `kv` interface. Values are scoped by namespace; expired entries are
 * invisible. Node uses SQLite (src/adapters/node/sqlite-kv-store.ts); `MemoryKvStore` serves
 * where there is no file system.
 */
export interface KvStore extends Disposable {
  get(namespace: string, key: string): Promise<string | undefined>;
  /** Stores a value. Creating a new key when the namespace already holds `maxKeys` live keys fails with `quota`. */
  set(namespace: string, key: string, value: string, options: { expiresAt: number | null; maxKeys: number }): Promise<"ok" | "quota">;
  delete(namespace: string, key: string): Promise<boolean>;
  list(namespace: string, prefix: string, limit: number): Promise<string[]>;
  dispose(): void;
}

interface Entry {
  value: string;
  expiresAt: number | null;
}

/** A `KvStore` in memory: nothing survives the process. */
export class MemoryKvStore implements KvStore {
  readonly #spaces = new Map<string, Map<string, Entry>>();

  async get(namespace: string, key: string): Promise<string | undefined> {
    return this.#live(namespace).get(key)?.value;
  }

  async set(namespace: string, key: string, value: string, options: { expiresAt: number | null; maxKeys: number }): Promise<"ok" | "quota"> {
    const space = this.#live(namespace);
    if (!space.has(key) && space.size >= options.maxKeys) return "quota";
    space.set(key, { value, expiresAt: options.expiresAt });
    this.#spaces.set(namespace, space);
    return "ok";
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    return this.#live(namespace).delete(key);
  }

  async list(namespace: string, prefix: string, limit: number): Promise<string[]> {
    return [...this.#live(namespace).keys()].filter((k) => k.startsWith(prefix)).sort().slice(0, limit);
  }

  /** The namespace's map with expired entries dropped. */
  #live(namespace: string): Map<string, Entry> {
    const space = this.#spaces.get(namespace) ?? new Map<string, Entry>();
    const now = Date.now();
    for (const [k, e] of space) if (e.expiresAt !== null && e.expiresAt <= now) space.delete(k);
    return space;
  }

  dispose(): void {
    this.#spaces.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
