/**
 * When a QuickJS top level is worth a snapshot: how slow it must be, and the code seen slow once already
 * (a slow top level is snapshotted the second time it runs).
 */

/**
 * Fuel a plain-build top level must burn per millisecond of its bar. One unit is about 10,000 QuickJS ticks:
 * 25–50 µs of a tight loop, but allocation-heavy code burns as little as 0.2 units per ms (the benchmark's
 * heavy script: 105 units in 500 ms), so this only filters out top levels that did next to nothing.
 */
const FUEL_PER_MS = 1;
/** Slow top levels remembered (plain build) until their code comes again. */
const MAX_SLOW_KEYS = 4096;

/**
 * A 53-bit hash of a snapshot key (cyrb53), so remembering slow code does not keep the code. A hint only:
 * a collision just runs some other code once on the instrumented build.
 */
function slowId(key: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Code whose top level was slow once, remembered by a hash of its snapshot key (not the code), oldest out first. */
export class SlowCode {
  readonly #ids = new Set<number>();

  has(key: string): boolean {
    return this.#ids.has(slowId(key));
  }

  remember(key: string): void {
    this.#ids.add(slowId(key));
    if (this.#ids.size > MAX_SLOW_KEYS) this.#ids.delete(this.#ids.values().next().value!);
  }

  forget(key: string): void {
    this.#ids.delete(slowId(key));
  }
}

/**
 * Whether a top level is slow enough to be snapshotted: always when the engine has the instrumented
 * build (`instrumented`: the top level is noted on its first run and snapshotted on its second). Else, with dirty-page resets a warm start costs a
 * fraction of a fresh context, so the configured minimum wall time applies. On the plain build a reset
 * copies all of memory (about 1.3 ms per 16 MiB), so the bar grows with the instance's memory, and the
 * top level must also have burnt fuel to match (FUEL_PER_MS per ms of the bar): wall time alone is noisy
 * while V8 is still compiling the wasm lazily, and a tiny script snapshotted there runs slower than fresh.
 */
export function slowEnough(options: { initMs: number; initFuel: number; tracked: boolean; memoryBytes: number; minInitMs: number; instrumented?: boolean }): boolean {
  // With the instrumented build a warm run resets only the pages it wrote (a tiny script's: about 0.08 ms,
  // against a fresh context's 0.5+ ms), so every top level seen twice is worth a snapshot, slow or not.
  if (options.instrumented) return true;
  const min = options.minInitMs;
  if (options.tracked) return options.initMs >= min;
  const bar = min * Math.max(1, options.memoryBytes / (16 << 20));
  return options.initMs >= bar && options.initFuel >= bar * FUEL_PER_MS;
}
