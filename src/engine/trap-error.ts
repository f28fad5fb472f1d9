import type { GuestError, TrapReason } from "../errors.ts";
import type { RunLimits } from "../limits/run-limits.ts";

/** The `error` of a run the host stopped, with a message naming the limit. Shared by every engine. */
export function trapError(reason: TrapReason, limits: RunLimits, message?: string): GuestError {
  const defaults: Record<TrapReason, string> = {
    fuel_exhausted: `The script used all of its fuel (${limits.fuel} units)`,
    memory_exhausted: `The script reached its memory cap (${limits.memoryMb} MiB)`,
    timeout: `The script ran past its deadline (${limits.timeoutMs} ms)`,
    output_limit: `The script's output passed its cap (${limits.maxOutputBytes} bytes)`,
  };
  return { code: reason, message: message ?? defaults[reason] };
}
