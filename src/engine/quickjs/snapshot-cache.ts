import type { QuickJSSession } from "./quickjs-session.ts";
import type { QuickJSSnapshot } from "./quickjs-snapshot.ts";

/** A snapshot and the sessions kept in its state, ready for the next run. */
export interface SnapshotEntry {
  snapshot: QuickJSSnapshot;
  idle: QuickJSSession[];
}

/**
 * QuickJS snapshots by key, least recently used first out. Each entry is charged for its snapshot and
 * for every idle session kept with it (each holds a memory as large), within `maxBytes`.
 */
export class SnapshotCache {
  readonly #entries = new Map<string, SnapshotEntry>();
  readonly #maxBytes: number;
  #hits = 0;
  #misses = 0;

  readonly #onDrop: (session: QuickJSSession) => void;

  /** `onDrop` gets every idle session an evicted entry held. */
  constructor(options: { maxBytes: number; onDrop: (session: QuickJSSession) => void }) {
    this.#maxBytes = options.maxBytes;
    this.#onDrop = options.onDrop;
  }

  /** The entry for `key`, now the most recently used. */
  get(key: string): SnapshotEntry | undefined {
    const entry = this.#entries.get(key);
    if (entry) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    return entry;
  }

  /** Stores a snapshot (if it fits at all) and evicts the least recently used entries over budget. */
  add(snapshot: QuickJSSnapshot): SnapshotEntry | undefined {
    if (snapshot.memory.length > this.#maxBytes) return undefined;
    const entry: SnapshotEntry = { snapshot, idle: [] };
    this.#entries.delete(snapshot.key);
    this.#entries.set(snapshot.key, entry);
    this.#evict();
    return entry;
  }

  /** Keeps a session reset to the entry's snapshot, if the budget and `perEntry` allow; false means drop it. */
  keep(entry: SnapshotEntry, session: QuickJSSession, options: { perEntry: number }): boolean {
    if (this.#entries.get(entry.snapshot.key) !== entry || entry.idle.length >= options.perEntry) return false;
    if (this.bytes + session.instance.memory.buffer.byteLength > this.#maxBytes) return false;
    entry.idle.push(session);
    return true;
  }

  /** Counts a run that started from a kept session (hit) or had to restore one (miss). */
  count(hit: boolean): void {
    if (hit) this.#hits++;
    else this.#misses++;
  }


  /** Bytes held: snapshots and idle sessions' memories. */
  get bytes(): number {
    let total = 0;
    for (const entry of this.#entries.values()) {
      total += entry.snapshot.memory.length;
      for (const session of entry.idle) total += session.instance.memory.buffer.byteLength;
    }
    return total;
  }

  get stats() {
    return { snapshots: this.#entries.size, bytes: this.bytes, hits: this.#hits, misses: this.#misses };
  }

  #evict(): void {
    for (const [key] of this.#entries) {
      if (this.bytes <= this.#maxBytes || this.#entries.size <= 1) return;
      this.#remove(key);
    }
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    this.#entries.delete(key);
    for (const session of entry?.idle.splice(0) ?? []) this.#onDrop(session);
  }

  /** Drops every entry. */
  clear(): void {
    for (const key of [...this.#entries.keys()]) this.#remove(key);
  }
}
