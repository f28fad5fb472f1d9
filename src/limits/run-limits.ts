import type { Config } from "../config.ts";
import { MIN_MEMORY_MB } from "../config.ts";

/** The effective limits of one run, after the server's maxima were applied. */
export interface RunLimits {
  fuel: number;
  memoryMb: number;
  timeoutMs: number;
  maxOutputBytes: number;
  maxResultBytes: number;
}

/** What a caller may ask for; every field optional. */
export interface RequestedLimits {
  fuel?: number;
  memoryMb?: number;
  timeoutMs?: number;
}

/** Applies defaults, then caps each requested limit by the server-side maximum. */
export function resolveLimits(requested: RequestedLimits | undefined, config: Config): RunLimits {
  const pick = (key: keyof RequestedLimits) => Math.min(requested?.[key] ?? config.defaults[key], config.maxima[key]);
  return {
    fuel: pick("fuel"),
    memoryMb: Math.max(MIN_MEMORY_MB, pick("memoryMb")),
    timeoutMs: pick("timeoutMs"),
    maxOutputBytes: config.maxOutputBytes,
    maxResultBytes: config.maxResultBytes,
  };
}
