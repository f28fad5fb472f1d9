/**
 * Seeds for a run's random sources (QuickJS's Math.random state, a component's WASI random and its
 * language's generator), from the host's CSPRNG. They are drawn ahead, a batch at a time: one
 * `getRandomValues` call per run was a visible share of a small run's host-side work.
 */
const seeds = new BigUint64Array(64);
let nextSeed = seeds.length;

/** A fresh non-zero seed from the host's CSPRNG (each handed out once). */
export function drawSeed(): bigint {
  for (;;) {
    if (nextSeed === seeds.length) {
      crypto.getRandomValues(seeds);
      nextSeed = 0;
    }
    const seed = seeds[nextSeed]!;
    seeds[nextSeed++] = 0n;
    if (seed !== 0n) return seed;
  }
}

