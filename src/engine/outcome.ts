import type { GuestError, TrapReason } from "../errors.ts";
import { isNearCapBytes } from "../limits/memory.ts";
import type { RunLimits } from "../limits/run-limits.ts";

/**
 * How a run's failure is classified, for every engine: the error of a run the host stopped, the
 * memory rule (a run that ends at or near its cap ran out of memory), and what an exception that
 * escaped the guest means. The engines only gather the facts (what the guest reported, where its
 * memory ended, which host limit fired); the decisions are made here.
 */

/** The `error` of a run the host stopped, with a message naming the limit. */
export function trapError(reason: TrapReason, limits: RunLimits, message?: string): GuestError {
  const defaults: Record<TrapReason, string> = {
    fuel_exhausted: `The script used all of its fuel (${limits.fuel} units)`,
    memory_exhausted: `The script reached its memory cap (${limits.memoryMb} MiB)`,
    timeout: `The script ran past its deadline (${limits.timeoutMs} ms)`,
    output_limit: `The script's output passed its cap (${limits.maxOutputBytes} bytes)`,
  };
  return { code: reason, message: message ?? defaults[reason] };
}

/**
 * Whether a memory of `memoryBytes` (as its guest sees it) ended a run at or near the cap of
 * `memoryMb`. The one predicate behind the memory rule, and behind dropping an instance that ended
 * there (near the cap, host calls into it can fail silently).
 */
export function endedNearCap(memoryBytes: number, memoryMb: number): boolean {
  return isNearCapBytes(memoryBytes, memoryMb);
}

/**
 * The memory rule: whether a run ran out of memory. It did when the guest said so (`outOfMemory`), and
 * when it ended near its cap having failed as the guest reported it (a guest or syntax error, not a
 * limit the host enforced): a failed allocation surfaces as anything (QuickJS: often "Uncaught null",
 * the error object itself could not be made; a C guest: malloc returned NULL). A success near the cap
 * counts too where the engine cannot trust one (`trustSuccess: false`: QuickJS swallows a failed
 * allocation inside a promise job, which then just rejects).
 */
export function ranOutOfMemory(result: { ok: true } | { ok: false; error: GuestError } | { ok: false; outOfMemory: true }, options: { nearCap: boolean; trustSuccess: boolean }): boolean {
  if ("outOfMemory" in result) return true;
  if (!options.nearCap) return false;
  if (result.ok) return !options.trustSuccess;
  return result.error.code === "guest_error" || result.error.code === "syntax_error";
}

/** What an engine knows of a run whose guest call threw, instead of returning. */
export interface Escape {
  /** The output passed its cap (and its streams were closed). */
  outputOverflowed?: boolean;
  /** The host stopped the guest at its deadline. */
  deadlineReached?: boolean;
  /** The exception is a trap of the fuel meter (it ran below zero). */
  fuelExhausted?: boolean;
  /** Memory ended at or near the run's cap (endedNearCap). */
  nearCap: boolean;
  /** The guest exited (WASI `exit`), with this message. */
  exited?: string;
  /**
   * Whose a wasm trap or a host stack overflow is: `guest` (a compiled program, whose traps are its
   * own: components), or `host` (QuickJS: a trap is a host bug, but its parser and interpreter
   * recurse on the host's stack, so an overflow there is the script nesting or recursing too deeply).
   */
  traps: "guest" | "host";
}

/**
 * The error an exception that escaped the guest means, first match wins: the output cap, the deadline,
 * the fuel, the memory cap, an exit, a trap or stack overflow that is the guest's. Undefined: a host
 * bug, which the engine rethrows.
 */
export function escapedError(e: unknown, escape: Escape, limits: RunLimits): GuestError | undefined {
  if (escape.outputOverflowed) return trapError("output_limit", limits);
  if (escape.deadlineReached) return trapError("timeout", limits);
  if (escape.fuelExhausted) return trapError("fuel_exhausted", limits);
  if (escape.nearCap) return trapError("memory_exhausted", limits);
  if (escape.exited !== undefined) return { code: "guest_error", message: escape.exited };
  if (escape.traps === "guest") return e instanceof RangeError || e instanceof WebAssembly.RuntimeError ? { code: "guest_error", message: `${e.name}: ${e.message}` } : undefined;
  if (e instanceof RangeError && /call stack/i.test(e.message)) return { code: "guest_error", message: "InternalError: stack overflow (the script nests or recurses too deeply)" };
  return undefined;
}
