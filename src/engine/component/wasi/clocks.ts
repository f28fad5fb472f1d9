import { Pollable } from "./io.ts";

/** Clocks read in microseconds: fine enough to time a loop, coarse enough not to be a timing side channel. */
const RESOLUTION_NS = 1_000n;

/** The host's wall clock, in nanoseconds since the Unix epoch (microsecond resolution). */
function wallNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * RESOLUTION_NS;
}

/**
 * `wasi:clocks/*` for one instance: the host's real clocks. Every reading is a host call, so the host
 * sees (and could record) each value a guest reads. A subscription is ready at once: a guest's sleep
 * returns immediately, as JavaScript's timers fire without delay, and the clocks do not jump.
 */
export function clockImports() {
  return {
    imports: {
      "wasi:clocks/monotonic-clock": {
        now: (): bigint => BigInt(Math.round(performance.now() * 1000)) * RESOLUTION_NS,
        resolution: (): bigint => RESOLUTION_NS,
        subscribeInstant: (_when: bigint) => new Pollable(),
        subscribeDuration: (_for: bigint) => new Pollable(),
      },
      "wasi:clocks/wall-clock": {
        now: () => {
          const ns = wallNs();
          return { seconds: ns / 1_000_000_000n, nanoseconds: Number(ns % 1_000_000_000n) };
        },
        resolution: () => ({ seconds: 0n, nanoseconds: Number(RESOLUTION_NS) }),
      },
    },
  };
}
