import type { GuestError } from "../../errors.ts";
import type { RunFile } from "../../limits/run-inputs.ts";

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
  /**
   * Initialises a new instance on the runtime's init fuel, before it may be snapshotted (Ruby: ruby-init and Kiln's prelude).
   * A runtime whose glue suspends (`PreparedComponentRuntime.suspending`, JSPI) answers every export call with a promise:
   * drivers chain on them with `guestCall`, and answer at once where the glue does.
   */
  init?(instance: any): void | Promise<void>;
  /**
   * Runs one script on the run's fuel budget (already set); with `evaluateOnly` (a deploy-time check) only its top level, the result being null.
   * `args` are the script's arguments after its name; `files` the modules it may import (names already
   * checked, see isSafeFileName). The run's stdin is on the instance's WASI stdin already.
   */
  run(instance: any, job: { code: string; inputJson: string; evaluateOnly?: boolean; stdin?: string; args?: string[]; files?: RunFile[] }, options: { seed: number; reseed: () => void }): GuestResult | Promise<GuestResult>;
}

/**
 * Calls an export: `onValue` gets its answer, `onError` what it threw. Synchronous glue answers at once,
 * and so does this (a warm run then borrows, runs and gives its instance back without yielding); JSPI
 * glue (`PreparedComponentRuntime.suspending`) answers a promise, and this chains on it.
 */
export function guestCall<T, R>(call: () => T | Promise<T>, onValue: (value: T) => R | Promise<R>, onError?: (e: unknown) => R): R | Promise<R> {
  let value: T | Promise<T>;
  try {
    value = call();
  } catch (e) {
    if (!onError) throw e;
    return onError(e);
  }
  return value instanceof Promise ? value.then(onValue, onError) : onValue(value);
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

/** How a wrapper's answer starts when the run succeeded: the result's own JSON text follows, then `}`. */
const OK_PREFIX = '{"ok":true,"result":';

/**
 * A wrapper's answer (JSON text) as a guest result: `syntax` and `guest` failures keep their message,
 * line and column. A result is kept as the guest's own JSON text, never parsed and encoded again
 * (which would round its integers to doubles). An answer that is not an envelope means the script
 * broke the wrapper: a guest error.
 */
export function guestResultOf(text: string): GuestResult {
  if (text.startsWith(OK_PREFIX) && text.endsWith("}")) return { ok: true, json: text.slice(OK_PREFIX.length, -1) };
  let envelope: GuestEnvelope;
  try {
    envelope = JSON.parse(text) as GuestEnvelope;
  } catch {
    return { ok: false, error: { code: "guest_error", message: "The script broke Kiln's wrapper: its answer is not JSON" } };
  }
  if (typeof envelope !== "object" || envelope === null) return { ok: false, error: { code: "guest_error", message: "The script broke Kiln's wrapper: its answer is not an envelope" } };
  if (envelope.ok) return { ok: true, json: JSON.stringify(envelope.result ?? null) };
  if (envelope.kind === "memory") return { ok: false, outOfMemory: true };
  const line = typeof envelope.line === "number" ? { line: envelope.line } : {};
  const column = typeof envelope.column === "number" ? { column: envelope.column } : {};
  return { ok: false, error: { code: envelope.kind === "syntax" ? "syntax_error" : "guest_error", message: String(envelope.message ?? ""), ...line, ...column } };
}
