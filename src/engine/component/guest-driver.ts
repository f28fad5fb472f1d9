import type { GuestError } from "../../errors.ts";

/** The fuel meter of the instance's main core module, in metered events. */
export interface GuestMeter {
  set(events: bigint): void;
}

/** What a driver makes of one run: the result as JSON text, a guest failure, or the guest running out of memory. */
export type GuestResult = { ok: true; json: string } | { ok: false; error: GuestError } | { ok: false; outOfMemory: true };

/**
 * How the engine drives one kind of runtime instance: which of its exports to call, and how a
 * script and its JSON input are wrapped for it. Exceptions it does not recognise (traps, exits)
 * propagate to the engine, which classifies them.
 */
export interface GuestDriver {
  run(instance: any, job: { code: string; inputJson: string }, options: { meter: GuestMeter; budget: bigint; initFuel: bigint }): GuestResult;
}
