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
