import type { HostTape } from "../../../capabilities/host-tape.ts";
import { Pollable } from "./io.ts";

/** Clocks read in microseconds: fine enough to time a loop, coarse enough not to be a timing side channel. */
const RESOLUTION_NS = 1_000n;

/** The host's wall clock, in nanoseconds since the Unix epoch (microsecond resolution). */
function wallNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * RESOLUTION_NS;
}

/** The host's monotonic clock, in nanoseconds (microsecond resolution). */
function monotonicNs(): bigint {
  return BigInt(Math.round(performance.now() * 1000)) * RESOLUTION_NS;
}

/** Thrown out of the guest when it sleeps past its run's deadline: the run ends as `timeout`, at the deadline. */
export class DeadlineReached extends Error {
  override readonly name = "DeadlineReached";
}

const cell = new Int32Array(new SharedArrayBuffer(4));
/** Blocks the thread for `ms` without burning CPU (a busy wait where the runtime forbids Atomics.wait). */
function pause(ms: number): void {
  if (ms <= 0) return;
  try {
    Atomics.wait(cell, 0, 0, ms);
  } catch {
    const until = performance.now() + ms;
    while (performance.now() < until);
  }
}

/** A pollable that is ready at a monotonic instant: a guest's sleep. Blocking on it waits, up to the run's deadline. */
class TimerPollable extends Pollable {
  constructor(
    /** When it is ready, in `performance.now()` milliseconds. */
    readonly until: number,
    readonly deadline: () => number | undefined,
  ) {
    super();
  }
  override ready(): boolean {
    return performance.now() >= this.until;
  }
  override readyAt(): number {
    return this.until;
  }
  override block(): void {
    const wait = this.until - performance.now();
    const deadline = this.deadline();
    // Outside a run (a runtime initialising) nothing waits.
    if (wait <= 0 || deadline === undefined) return;
    const left = deadline - Date.now();
    if (wait >= left) {
      pause(left);
      throw new DeadlineReached("the guest slept past its deadline");
    }
    pause(wait);
  }
}

/**
 * `wasi:clocks/*` for one instance: the host's real clocks. Every reading is a host call, so the host
 * sees (and could record) each value a guest reads. A guest's sleep (a clock subscription it blocks or
 * polls on) really waits, without burning fuel; one that would pass the run's deadline (`deadline()`,
 * epoch milliseconds) waits until it and ends the run as a timeout. A run's `tape()` keeps (or, on a
 * replay, answers) each reading.
 */
export function clockImports(deadline: () => number | undefined, tape: () => HostTape | undefined = () => undefined) {
  const read = (live: () => bigint): bigint => tape()?.clock(live) ?? live();
  return {
    imports: {
      "wasi:clocks/monotonic-clock": {
        now: () => read(monotonicNs),
        resolution: (): bigint => RESOLUTION_NS,
        subscribeInstant: (when: bigint) => new TimerPollable(Number(when) / 1e6, deadline),
        subscribeDuration: (duration: bigint) => new TimerPollable(performance.now() + Number(duration) / 1e6, deadline),
      },
      "wasi:clocks/wall-clock": {
        now: () => {
          const ns = read(wallNs);
          return { seconds: ns / 1_000_000_000n, nanoseconds: Number(ns % 1_000_000_000n) };
        },
        resolution: () => ({ seconds: 0n, nanoseconds: Number(RESOLUTION_NS) }),
      },
    },
  };
}
