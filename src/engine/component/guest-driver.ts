import type { GuestError } from "../../errors.ts";

/** What a driver makes of one run: the result as JSON text, a guest failure, or the guest running out of memory. */
export type GuestResult = { ok: true; json: string } | { ok: false; error: GuestError } | { ok: false; outOfMemory: true };

/**
 * How the engine drives one kind of runtime instance: which of its exports to call, and how a
 * script and its JSON input are wrapped for it. `seed` (from the host's random source, new for every
 * run) reseeds the language's own random generator; `reseed()`, called once the runtime has
 * initialised and before the script, moves the instance's WASI random source to the run's own stream
 * (initialisation draws from a fixed seed, so its fuel and state stay deterministic). Exceptions it does not recognise (traps, exits)
 * propagate to the engine, which classifies them.
 */
export interface GuestDriver {
  /** Initialises a new instance on the runtime's init fuel, before it may be snapshotted (Ruby: ruby-init and Kiln's prelude). */
  init?(instance: any): void;
  /** Runs one script on the run's fuel budget (already set); with `evaluateOnly` (a deploy-time check) only its top level, the result being null. */
  run(instance: any, job: { code: string; inputJson: string; evaluateOnly?: boolean }, options: { seed: number; reseed: () => void }): GuestResult;
}

/** The JSON envelope the Ruby and Python wrappers return. */
export interface GuestEnvelope {
  ok: boolean;
  result?: unknown;
  kind?: string;
  message?: string;
  line?: number | null;
  /** 1-based, where the wrapper knows it. */
  column?: number | null;
}

/** A wrapper's envelope as a guest result: `syntax` and `guest` failures keep their message, line and column. */
export function guestResultOf(envelope: GuestEnvelope): GuestResult {
  if (envelope.ok) return { ok: true, json: JSON.stringify(envelope.result ?? null) };
  if (envelope.kind === "memory") return { ok: false, outOfMemory: true };
  const line = typeof envelope.line === "number" ? { line: envelope.line } : {};
  const column = typeof envelope.column === "number" ? { column: envelope.column } : {};
  return { ok: false, error: { code: envelope.kind === "syntax" ? "syntax_error" : "guest_error", message: envelope.message ?? "", ...line, ...column } };
}
