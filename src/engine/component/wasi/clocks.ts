import { Pollable } from "./io.ts";

/** A fixed start of time (2024-01-01T00:00:00Z): guests see a virtual clock, so runs are deterministic. */
const EPOCH_SECONDS = 1_704_067_200n;
/** Each read of a clock advances it by one microsecond. */
const TICK_NS = 1_000n;

/** `wasi:clocks/*` for one instance: a virtual clock that starts at the same instant and moves only when read. */
export function clockImports() {
  let ns = 0n;
  const tick = () => (ns += TICK_NS);
  return {
    /** Back to the start instant (a pooled instance starting its next run). */
    reset: () => {
      ns = 0n;
    },
    imports: {
    "wasi:clocks/monotonic-clock": {
      now: (): bigint => tick(),
      resolution: (): bigint => TICK_NS,
      subscribeInstant: (_when: bigint) => new Pollable(),
      subscribeDuration: (_for: bigint) => new Pollable(),
    },
    "wasi:clocks/wall-clock": {
      now: () => {
        const t = tick();
        return { seconds: EPOCH_SECONDS + t / 1_000_000_000n, nanoseconds: Number(t % 1_000_000_000n) };
      },
      resolution: () => ({ seconds: 0n, nanoseconds: Number(TICK_NS) }),
    },
    },
  };
}
