import { z } from "zod";

/**
 * Server configuration. Every value has an embedded default and an environment variable, stated
 * once in one zod schema (`ENV`) with what it accepts; the core reads the variables from a plain
 * record so it never touches `process`.
 * Config is the base layer: it defines the shape of what it reads, and the layers above take these
 * values as their own types (the capabilities layer's `HostLimits` and `ServerGrants` have the same
 * shapes; src/platform/tenant-run-grants.ts hands them over, so the type checker keeps them in step).
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
  /** Cap on an uploaded component (`POST /v1/components`), in bytes. */
  maxComponentBytes: number;
  /** How long checking and preparing an uploaded component may take before the upload is refused, in ms. */
  componentCheckTimeoutMs: number;
  /** Sandboxes that run at once (Node: worker threads). */
  workers: number;
  /** Warmed-up workers kept aside to replace one the watchdog stops (Node). */
  spareWorkers: number;
  /** Languages each worker starts before it serves (`KILN_WARM_UP`, comma-separated); undefined: every runtime that keeps warm instances. */
  warmUp?: string[];
  /** Initialised component runtime instances (Lua, Ruby, Python) each sandbox keeps per memory cap, and QuickJS sessions per snapshot, restored after every run (0: a new instance per run). */
  warmInstances: number;
  /** Bytes each sandbox may keep in warm component runtime instances (Lua, Ruby, Python) and their snapshots, across memory caps. */
  warmPoolBytes: number;
  /** QuickJS snapshots: a top level that takes at least `minInitMs` is captured; each sandbox keeps up to `cacheBytes` of them. */
  snapshots: { minInitMs: number; cacheBytes: number };
  /** Runs that may wait for a free sandbox before requests get `overloaded`. */
  maxQueue: number;
  /** Judge0 submissions: how long a finished one is kept (`KILN_SUBMISSION_TTL_SECONDS`), and how long a node's claim on a running one lasts unrenewed before another node takes it (`KILN_SUBMISSION_LEASE_MS`). */
  submissions: { resultTtlSeconds: number; leaseMs: number };
  /** Caps on host calls per run. */
  hostLimits: ConfiguredHostLimits;
  /** The most any run may be granted. */
  grants: ConfiguredGrants;
  /** The SQLite file on Node and Bun: tenants, scripts, secrets and `kv`. */
  dbPath: string;
  /** The Deno KV database on Deno (`KILN_DENO_KV_PATH`): tenants, scripts, secrets and `kv`. */
  denoKvPath: string;
  /** Where prepared component runtimes are cached (`KILN_CACHE_DIR`). */
  cacheDir: string;
  /** With `KILN_REDIS_URL`, tenants, scripts, secrets, `kv`, logs and rate limits live in Redis, shared by every node. */
  redisUrl?: string;
  /** The tenant, by name, that serves Piston's `/api/v2/…` routes to callers without a token (`KILN_PUBLIC_TENANT`); unset: they need one. */
  publicTenant?: string;
  /** `production` refuses to start without configured keys; anything else is dev mode. */
  mode: "production" | "dev";
  /** The admin bearer token (`KILN_ADMIN_TOKEN`); in dev mode one is generated when unset. */
  adminToken?: string;
  /** Signs tenant tokens (`KILN_JWT_KEY`, 32+ characters). */
  jwtKey?: string;
  /** Encrypts secrets at rest (`KILN_SECRET_KEY`, 32+ characters). */
  secretKey?: string;
  /** Lifetime of issued tenant tokens when a request names none. */
  tokenTtlSeconds: number;
  /** The longest lifetime a token may be issued with (`KILN_TOKEN_MAX_TTL_SECONDS`). */
  tokenMaxTtlSeconds: number;
  /** Rate limits, quarantine, and the fuel a tenant's runs may burn per minute and per day (`KILN_FUEL_PER_MINUTE`, `KILN_FUEL_PER_DAY`; undefined: unlimited). A tenant's quotas override the tenant's. */
  rate: {
    tenantPerMinute: number;
    scriptPerMinute: number;
    quarantineThreshold: number;
    quarantineWindowMs: number;
    stoppedThreshold: number;
    fuelPerMinute?: number;
    fuelPerDay?: number;
  };
  /** Runs kept per tenant for `GET /v1/runs` (`KILN_RUN_HISTORY_MAX`, 0: none) and for how many days (`KILN_RUN_HISTORY_DAYS`). A tenant's quotas override them. */
  runHistory: { maxRuns: number; days: number };
  /** The server log's least level (`KILN_LOG_LEVEL`): trace, debug, info, warn, error, fatal or silent. */
  logLevel: LogLevel;
  /** A second listener on 127.0.0.1 serving only `GET /metrics`, without a token (`KILN_METRICS_PORT`, Node); undefined: none. */
  metricsPort?: number;
}

/** The server log's levels, least severe first (pino's), and `silent`. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Caps on what one run may do through the host interfaces (KILN_LOG_*, KILN_KV_*, KILN_HTTP_*). */
export interface ConfiguredHostLimits {
  logMaxEntries: number;
  logMaxBytes: number;
  kvMaxKeyBytes: number;
  kvMaxValueBytes: number;
  /** Live keys per namespace. */
  kvMaxKeys: number;
  kvMaxCalls: number;
  kvMaxList: number;
  httpMaxCalls: number;
  httpTimeoutMs: number;
  httpMaxRequestBytes: number;
  httpMaxResponseBytes: number;
  httpMaxRedirects: number;
  /** The switch that lets guests reach loopback and private addresses (KILN_HTTP_ALLOW_PRIVATE). Off by default; tests only. */
  httpAllowPrivate: boolean;
}

/** The most any run on this server may be granted: `KILN_GRANTS` and `KILN_SECRETS`. */
export interface ConfiguredGrants {
  /** Namespaces a run may use; `*` allows any. */
  kv: { namespaces: string[] };
  /** Host patterns (checked where they are used, src/net/host-allowlist.ts). */
  http: { allow: string[] };
  /** The server's secrets, name → value. */
  secrets: Record<string, string>;
}

/** Smallest memory cap a run may ask for: QuickJS's linear memory starts at 16 MiB. */
export const MIN_MEMORY_MB = 24;
/** Largest memory cap: a 32-bit WebAssembly memory holds at most 4 GiB. */
const MAX_MEMORY_MB = 4096;

/** An unset variable and an empty one mean the same: the default. */
const unset = (value: unknown) => (value === "" ? undefined : value);

/** A non-negative integer variable within `[min, max]`; `tooBig` words the upper bound when it is not a plain number. */
function integer(bounds: { min?: number; max?: number; tooBig?: string } = {}) {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = bounds;
  return z
    .string()
    .trim()
    .regex(/^\d+$/, { error: (issue) => `must be a non-negative integer, got ${JSON.stringify(issue.input)}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { error: (issue) => `must be at least ${min}, got ${issue.input}` })
        .max(max, { error: (issue) => (bounds.tooBig ? `must be ${bounds.tooBig}, got ${issue.input}` : `must be at most ${max}, got ${issue.input}`) }),
    );
}
/** An integer variable with a default. */
const count = (fallback: number, bounds?: Parameters<typeof integer>[0]) => z.preprocess(unset, integer(bounds).default(fallback));
/** An integer variable whose default depends on another (a default limit: lowered to its maximum when unset). */
const optionalCount = (bounds?: Parameters<typeof integer>[0]) => z.preprocess(unset, integer(bounds).optional());
/** A text variable of at least `min` characters without white space (keys and tokens). */
const secretText = (min: number) =>
  z.preprocess(unset, z.string().regex(new RegExp(`^\\S{${min},}$`), { error: `must be at least ${min} characters, without spaces` }).optional());
const text = (fallback: string) => z.preprocess(unset, z.string().default(fallback));
/** One of `values`, naming them when it is not. */
const oneOf = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number], wording: string) =>
  z.preprocess(unset, z.enum(values, { error: (issue) => `must be ${wording}, got ${JSON.stringify(issue.input)}` }).default(fallback));

/** A host name (RFC 1123 labels) or an IPv4 or IPv6 address. */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const host = z.preprocess(
  unset,
  z
    .string()
    .refine((h) => IPV4.test(h) || (!/^[\d.]+$/.test(h) && HOST_NAME.test(h)) || z.ipv6().safeParse(h).success, {
      error: (issue) => `must be a host name or an IP address, got ${JSON.stringify(issue.input)}`,
    })
    .default("0.0.0.0"),
);

/** A JSON variable, parsed, then checked against `shape`. */
const json = <T extends z.ZodType>(shape: T, fallback: string) =>
  z.preprocess(
    unset,
    z
      .string()
      .default(fallback)
      .transform((raw, ctx) => {
        try {
          return JSON.parse(raw) as unknown;
        } catch {
          ctx.addIssue({ code: "custom", message: "must be JSON", input: raw });
          return z.NEVER;
        }
      })
      .pipe(shape),
  );
const names = z.array(z.string());
const GRANTS = z.strictObject(
  { kv: z.strictObject({ namespaces: names }).optional(), http: z.strictObject({ allow: names }).optional() },
  { error: 'must look like {"kv":{"namespaces":["*"]},"http":{"allow":["api.example.com"]}}' },
);
const SECRETS = z.record(z.string(), z.string({ error: "must be a string" }), { error: "must be a JSON object of name to string value" });

/**
 * Every variable Kiln reads, with its default and what it accepts: the one statement of each. Other
 * variables in the environment are not Kiln's and are ignored.
 */
const VARIABLES = z.object({
  PORT: count(8080, { max: 65_535, tooBig: "a TCP port (0 to 65535)" }),
  KILN_HOST: host,
  KILN_ENV: oneOf(["production", "dev", "development"], "dev", "production or dev"),
  KILN_DEFAULT_FUEL: optionalCount(),
  KILN_MAX_FUEL: count(200_000),
  KILN_DEFAULT_MEMORY_MB: optionalCount({ min: MIN_MEMORY_MB, max: MAX_MEMORY_MB }),
  KILN_MAX_MEMORY_MB: count(256, { min: MIN_MEMORY_MB, max: MAX_MEMORY_MB }),
  KILN_DEFAULT_TIMEOUT_MS: optionalCount(),
  KILN_MAX_TIMEOUT_MS: count(30_000),
  KILN_MAX_OUTPUT_BYTES: count(1 << 20),
  KILN_MAX_RESULT_BYTES: count(1 << 20),
  KILN_MAX_CODE_BYTES: count(256 << 10),
  KILN_MAX_INPUT_BYTES: count(1 << 20),
  KILN_MAX_BODY_BYTES: count(2 << 20),
  KILN_MAX_COMPONENT_BYTES: count(16 << 20),
  KILN_COMPONENT_CHECK_TIMEOUT_MS: count(60_000, { min: 1 }),
  KILN_WORKERS: count(2, { min: 1 }),
  KILN_SPARE_WORKERS: count(1),
  KILN_WARM_UP: z.string().optional(),
  KILN_WARM_INSTANCES: count(1),
  KILN_WARM_POOL_MB: count(512),
  KILN_SNAPSHOT_MIN_INIT_MS: count(2),
  KILN_SNAPSHOT_CACHE_MB: count(256),
  KILN_MAX_QUEUE: count(1_000),
  KILN_SUBMISSION_TTL_SECONDS: count(86_400, { min: 1 }),
  KILN_SUBMISSION_LEASE_MS: count(30_000, { min: 100 }),
  KILN_LOG_MAX_ENTRIES: count(1_000),
  KILN_LOG_MAX_BYTES: count(256 << 10),
  KILN_KV_MAX_KEY_BYTES: count(512),
  KILN_KV_MAX_VALUE_BYTES: count(64 << 10),
  KILN_KV_MAX_KEYS: count(10_000),
  KILN_KV_MAX_CALLS: count(1_000),
  KILN_KV_MAX_LIST: count(1_000),
  KILN_HTTP_MAX_CALLS: count(20),
  // Well under the default run deadline (5 s), so a slow upstream leaves the script time to handle it.
  KILN_HTTP_TIMEOUT_MS: count(3_000, { min: 1 }),
  KILN_HTTP_MAX_REQUEST_BYTES: count(1 << 20),
  KILN_HTTP_MAX_RESPONSE_BYTES: count(1 << 20),
  KILN_HTTP_MAX_REDIRECTS: count(5),
  KILN_HTTP_ALLOW_PRIVATE: oneOf(["1", "true", "yes", "0", "false", "no"], "0", "1 or 0 (or true/false, yes/no)"),
  KILN_GRANTS: json(GRANTS, "{}"),
  KILN_SECRETS: json(SECRETS, "{}"),
  KILN_DB_PATH: text(".kiln/kiln.sqlite"),
  KILN_DENO_KV_PATH: text(".kiln/kiln.denokv"),
  KILN_CACHE_DIR: text(".kiln/cache"),
  KILN_REDIS_URL: z.preprocess(unset, z.string().regex(/^rediss?:\/\/\S+$/, { error: "must be a redis:// or rediss:// URL" }).optional()),
  KILN_PUBLIC_TENANT: z.preprocess(unset, z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, { error: "must be a tenant name (1-64 letters, digits, _ or -)" }).optional()),
  KILN_ADMIN_TOKEN: secretText(16),
  KILN_JWT_KEY: secretText(32),
  KILN_SECRET_KEY: secretText(32),
  KILN_TOKEN_TTL_SECONDS: optionalCount({ min: 60 }),
  KILN_TOKEN_MAX_TTL_SECONDS: count(365 * 24 * 3600, { min: 60 }),
  KILN_RATE_TENANT_PER_MINUTE: count(60_000, { min: 1 }),
  KILN_RATE_SCRIPT_PER_MINUTE: count(30_000, { min: 1 }),
  KILN_QUARANTINE_THRESHOLD: count(10, { min: 1 }),
  KILN_QUARANTINE_WINDOW_MS: count(60_000, { min: 1 }),
  KILN_QUARANTINE_STOPPED_THRESHOLD: count(3, { min: 1 }),
  KILN_FUEL_PER_MINUTE: optionalCount({ min: 1 }),
  KILN_FUEL_PER_DAY: optionalCount({ min: 1 }),
  KILN_RUN_HISTORY_MAX: count(1_000),
  KILN_RUN_HISTORY_DAYS: count(7, { min: 1 }),
  KILN_LOG_LEVEL: oneOf(LOG_LEVELS, "info", LOG_LEVELS.join(", ")),
  KILN_METRICS_PORT: optionalCount({ min: 1, max: 65_535, tooBig: "a TCP port (1 to 65535)" }),
});

/** Each default limit and the maximum it may not exceed. */
const DEFAULT_AND_MAXIMUM = [
  ["KILN_DEFAULT_FUEL", "KILN_MAX_FUEL"],
  ["KILN_DEFAULT_MEMORY_MB", "KILN_MAX_MEMORY_MB"],
  ["KILN_DEFAULT_TIMEOUT_MS", "KILN_MAX_TIMEOUT_MS"],
  ["KILN_TOKEN_TTL_SECONDS", "KILN_TOKEN_MAX_TTL_SECONDS"],
] as const;

/** The variables, and the checks between them: a default the operator set above its maximum is a mistake; an unset one is lowered to the maximum. */
const ENV = VARIABLES.superRefine((env, ctx) => {
  for (const [fallback, maximum] of DEFAULT_AND_MAXIMUM) {
    const value = env[fallback];
    if (value !== undefined && value > env[maximum]) {
      ctx.addIssue({ code: "custom", path: [fallback], message: `must be at most ${maximum} (${env[maximum]}), got ${value}`, input: value });
    }
  }
});

/** One line naming each wrong variable: `config: KILN_X must …; KILN_Y must …`. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const [variable, ...inner] = issue.path.map(String);
      if (issue.code === "unrecognized_keys") {
        const where = inner.length ? ` in ${inner.join(".")}` : "";
        return `${variable} has unknown ${issue.keys.length > 1 ? "keys" : "key"} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}${where}`;
      }
      if (inner.length) return `${variable} is wrong at ${inner.join(".")}: ${issue.message}`;
      return issue.message.startsWith("must") ? `${variable} ${issue.message}` : `${variable}: ${issue.message}`;
    })
    .map((line) => `config: ${line}`)
    .join("; ");
}

/** Reads the configuration from environment-like variables; anything invalid throws one message naming each variable. */
export function loadConfig(env: Record<string, string | undefined> = {}): Config {
  const parsed = ENV.safeParse(env);
  if (!parsed.success) throw new Error(describeIssues(parsed.error.issues));
  const v = parsed.data;
  const maxima = { fuel: v.KILN_MAX_FUEL, memoryMb: v.KILN_MAX_MEMORY_MB, timeoutMs: v.KILN_MAX_TIMEOUT_MS };
  return {
    port: v.PORT,
    host: v.KILN_HOST,
    defaults: {
      fuel: v.KILN_DEFAULT_FUEL ?? Math.min(10_000, maxima.fuel),
      memoryMb: v.KILN_DEFAULT_MEMORY_MB ?? Math.min(64, maxima.memoryMb),
      timeoutMs: v.KILN_DEFAULT_TIMEOUT_MS ?? Math.min(5_000, maxima.timeoutMs),
    },
    maxima,
    maxOutputBytes: v.KILN_MAX_OUTPUT_BYTES,
    maxResultBytes: v.KILN_MAX_RESULT_BYTES,
    maxCodeBytes: v.KILN_MAX_CODE_BYTES,
    maxInputBytes: v.KILN_MAX_INPUT_BYTES,
    maxBodyBytes: v.KILN_MAX_BODY_BYTES,
    maxComponentBytes: v.KILN_MAX_COMPONENT_BYTES,
    componentCheckTimeoutMs: v.KILN_COMPONENT_CHECK_TIMEOUT_MS,
    workers: v.KILN_WORKERS,
    spareWorkers: v.KILN_SPARE_WORKERS,
    warmUp: v.KILN_WARM_UP?.split(",").map((l) => l.trim()).filter(Boolean),
    warmInstances: v.KILN_WARM_INSTANCES,
    warmPoolBytes: v.KILN_WARM_POOL_MB * 1024 * 1024,
    snapshots: { minInitMs: v.KILN_SNAPSHOT_MIN_INIT_MS, cacheBytes: v.KILN_SNAPSHOT_CACHE_MB * 1024 * 1024 },
    maxQueue: v.KILN_MAX_QUEUE,
    submissions: { resultTtlSeconds: v.KILN_SUBMISSION_TTL_SECONDS, leaseMs: v.KILN_SUBMISSION_LEASE_MS },
    hostLimits: {
      logMaxEntries: v.KILN_LOG_MAX_ENTRIES,
      logMaxBytes: v.KILN_LOG_MAX_BYTES,
      kvMaxKeyBytes: v.KILN_KV_MAX_KEY_BYTES,
      kvMaxValueBytes: v.KILN_KV_MAX_VALUE_BYTES,
      kvMaxKeys: v.KILN_KV_MAX_KEYS,
      kvMaxCalls: v.KILN_KV_MAX_CALLS,
      kvMaxList: v.KILN_KV_MAX_LIST,
      httpMaxCalls: v.KILN_HTTP_MAX_CALLS,
      httpTimeoutMs: v.KILN_HTTP_TIMEOUT_MS,
      httpMaxRequestBytes: v.KILN_HTTP_MAX_REQUEST_BYTES,
      httpMaxResponseBytes: v.KILN_HTTP_MAX_RESPONSE_BYTES,
      httpMaxRedirects: v.KILN_HTTP_MAX_REDIRECTS,
      httpAllowPrivate: ["1", "true", "yes"].includes(v.KILN_HTTP_ALLOW_PRIVATE),
    },
    grants: {
      kv: { namespaces: v.KILN_GRANTS.kv?.namespaces ?? ["*"] },
      http: { allow: v.KILN_GRANTS.http?.allow ?? [] },
      secrets: v.KILN_SECRETS,
    },
    dbPath: v.KILN_DB_PATH,
    denoKvPath: v.KILN_DENO_KV_PATH,
    redisUrl: v.KILN_REDIS_URL,
    publicTenant: v.KILN_PUBLIC_TENANT,
    cacheDir: v.KILN_CACHE_DIR,
    mode: v.KILN_ENV === "production" ? "production" : "dev",
    adminToken: v.KILN_ADMIN_TOKEN,
    jwtKey: v.KILN_JWT_KEY,
    secretKey: v.KILN_SECRET_KEY,
    tokenTtlSeconds: v.KILN_TOKEN_TTL_SECONDS ?? Math.min(30 * 24 * 3600, v.KILN_TOKEN_MAX_TTL_SECONDS),
    tokenMaxTtlSeconds: v.KILN_TOKEN_MAX_TTL_SECONDS,
    rate: {
      tenantPerMinute: v.KILN_RATE_TENANT_PER_MINUTE,
      scriptPerMinute: v.KILN_RATE_SCRIPT_PER_MINUTE,
      quarantineThreshold: v.KILN_QUARANTINE_THRESHOLD,
      quarantineWindowMs: v.KILN_QUARANTINE_WINDOW_MS,
      stoppedThreshold: v.KILN_QUARANTINE_STOPPED_THRESHOLD,
      fuelPerMinute: v.KILN_FUEL_PER_MINUTE,
      fuelPerDay: v.KILN_FUEL_PER_DAY,
    },
    runHistory: { maxRuns: v.KILN_RUN_HISTORY_MAX, days: v.KILN_RUN_HISTORY_DAYS },
    logLevel: v.KILN_LOG_LEVEL,
    metricsPort: v.KILN_METRICS_PORT,
  };
}
