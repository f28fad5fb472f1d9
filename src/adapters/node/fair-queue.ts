/**
 * Waiting runs, taken in turns between their owners (tenants): each owner has its own first-in,
 * first-out line, and the next free sandbox goes to the owner after the one served last. A tenant
 * that sends a hundred runs, or runs that each hold a sandbox until their deadline, makes another
 * tenant's run wait for at most one of its runs per sandbox, not for the whole backlog.
 */
export class FairQueue<T> {
  /** Owners in turn order (Map order): the first is served next. */
  readonly #lines = new Map<string, T[]>();
  #size = 0;

  /** Runs waiting, for every owner together. */
  get size(): number {
    return this.#size;
  }

  push(owner: string, item: T): void {
    const line = this.#lines.get(owner);
    if (line) line.push(item);
    else this.#lines.set(owner, [item]);
    this.#size++;
  }

  /** Whether `owner` has runs waiting. */
  has(owner: string): boolean {
    return this.#lines.has(owner);
  }

  /** Puts a run back at the front: first in its owner's line, and its owner served next (a run a stopped worker never started). */
  unshift(owner: string, item: T): void {
    const line = this.#lines.get(owner) ?? [];
    line.unshift(item);
    const rest = [...this.#lines].filter(([o]) => o !== owner);
    this.#lines.clear();
    this.#lines.set(owner, line);
    for (const [o, l] of rest) this.#lines.set(o, l);
    this.#size++;
  }

  /** The next owner's oldest run; that owner goes to the back of the turn order. */
  shift(): T | undefined {
    for (const [owner, line] of this.#lines) {
      const item = line.shift()!;
      this.#lines.delete(owner);
      if (line.length) this.#lines.set(owner, line);
      this.#size--;
      return item;
    }
    return undefined;
  }

  /** Removes and returns every waiting run. */
  drain(): T[] {
    const all = [...this.#lines.values()].flat();
    this.#lines.clear();
    this.#size = 0;
    return all;
  }
}
