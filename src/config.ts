/**
 * Server configuration. Every value has an embedded default and an environment variable;
 * the core reads the variables from a plain record so it never touches `process`.
 */
export interface LimitDefaults {
  /** Fuel units; one unit is one interrupt poll of QuickJS, about 10,000 interpreter ticks. */
  fuel: number;
  memoryMb: number;
  timeoutMs: number;
}

export interface Config {
  port: number;
  host: string;
  /** Limits used when a request names none. */
  defaults: LimitDefaults;
  /** Server-side maxima; a requested limit above one is lowered to it. */
  maxima: LimitDefaults;
  /** Cap on stdout plus stderr of one run, in bytes (UTF-8). */
  maxOutputBytes: number;
  /** Cap on the JSON-encoded result of one run, in bytes. */
  maxResultBytes: number;
  /** Cap on `code`, in bytes. */
  maxCodeBytes: number;
  /** Cap on the JSON-encoded `input`, in bytes. */
  maxInputBytes: number;
  /** Cap on a request body, in bytes. */
  maxBodyBytes: number;
  /** Sandboxes that run at once (Node: worker threads). */
  workers: number;
  /** Runs that may wait for a free sandbox before requests get `overloaded`. */
  maxQueue: number;
}

/** Smallest memory cap a run may ask for: QuickJS's linear memory starts at 16 MiB. */
export const MIN_MEMORY_MB = 24;

const VARS: Record<string, [string, number]> = {
  port: ["PORT", 8080],
  defaultFuel: ["KILN_DEFAULT_FUEL", 10_000],
  maxFuel: ["KILN_MAX_FUEL", 200_000],
  defaultMemoryMb: ["KILN_DEFAULT_MEMORY_MB", 64],
  maxMemoryMb: ["KILN_MAX_MEMORY_MB", 256],
  defaultTimeoutMs: ["KILN_DEFAULT_TIMEOUT_MS", 5_000],
  maxTimeoutMs: ["KILN_MAX_TIMEOUT_MS", 30_000],
  maxOutputBytes: ["KILN_MAX_OUTPUT_BYTES", 1 << 20],
  maxResultBytes: ["KILN_MAX_RESULT_BYTES", 1 << 20],
  maxCodeBytes: ["KILN_MAX_CODE_BYTES", 256 << 10],
  maxInputBytes: ["KILN_MAX_INPUT_BYTES", 1 << 20],
  maxBodyBytes: ["KILN_MAX_BODY_BYTES", 2 << 20],
  workers: ["KILN_WORKERS", 2],
  maxQueue: ["KILN_MAX_QUEUE", 1_000],
};

/** Reads the configuration from environment-like variables, validating every number. */
export function loadConfig(env: Record<string, string | undefined> = {}): Config {
  const n = (key: keyof typeof VARS): number => {
    const [name, fallback] = VARS[key]!;
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new Error(`config: ${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
  const maxima = { fuel: n("maxFuel"), memoryMb: n("maxMemoryMb"), timeoutMs: n("maxTimeoutMs") };
  const defaults = {
    fuel: Math.min(n("defaultFuel"), maxima.fuel),
    memoryMb: Math.min(n("defaultMemoryMb"), maxima.memoryMb),
    timeoutMs: Math.min(n("defaultTimeoutMs"), maxima.timeoutMs),
  };
  if (maxima.memoryMb < MIN_MEMORY_MB) {
    throw new Error(`config: KILN_MAX_MEMORY_MB must be at least ${MIN_MEMORY_MB}`);
  }
  return {
    port: n("port"),
    host: env.KILN_HOST || "0.0.0.0",
    defaults: { ...defaults, memoryMb: Math.max(defaults.memoryMb, MIN_MEMORY_MB) },
    maxima,
    maxOutputBytes: n("maxOutputBytes"),
    maxResultBytes: n("maxResultBytes"),
    maxCodeBytes: n("maxCodeBytes"),
    maxInputBytes: n("maxInputBytes"),
    maxBodyBytes: n("maxBodyBytes"),
    workers: Math.max(1, n("workers")),
    maxQueue: n("maxQueue"),
  };
}
