/**
 * Server configuration. Every value has an embedded default and an environment variable;
 * the core reads the variables from a plain record so it never touches `process`.
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
  /** Caps on host calls per run. */
  hostLimits: ConfiguredHostLimits;
  /** The most any run may be granted. */
  grants: ConfiguredGrants;
  /** The SQLite file on Node: tenants, scripts, secrets and `kv`. */
  dbPath: string;
  /** Where prepared component runtimes are cached (`KILN_CACHE_DIR`). */
  cacheDir: string;
  /** With `KILN_REDIS_URL`, tenants, scripts, secrets, `kv`, logs and rate limits live in Redis, shared by every node. */
  redisUrl?: string;
  /** `production` refuses to start without configured keys; anything else is dev mode. */
  mode: "production" | "dev";
  /** The admin bearer token (`KILN_ADMIN_TOKEN`); in dev mode one is generated when unset. */
  adminToken?: string;
  /** Signs tenant tokens (`KILN_JWT_KEY`, 32+ characters). */
  jwtKey?: string;
  /** Encrypts secrets at rest (`KILN_SECRET_KEY`, 32+ characters). */
  secretKey?: string;
  /** Lifetime of issued tenant tokens. */
  tokenTtlSeconds: number;
  rate: { tenantPerMinute: number; scriptPerMinute: number; quarantineThreshold: number; quarantineWindowMs: number; stoppedThreshold: number };
}

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
  maxComponentBytes: ["KILN_MAX_COMPONENT_BYTES", 16 << 20],
  workers: ["KILN_WORKERS", 2],
  spareWorkers: ["KILN_SPARE_WORKERS", 1],
  warmInstances: ["KILN_WARM_INSTANCES", 1],
  warmPoolMb: ["KILN_WARM_POOL_MB", 512],
  snapshotMinInitMs: ["KILN_SNAPSHOT_MIN_INIT_MS", 2],
  snapshotCacheMb: ["KILN_SNAPSHOT_CACHE_MB", 256],
  maxQueue: ["KILN_MAX_QUEUE", 1_000],
  logMaxEntries: ["KILN_LOG_MAX_ENTRIES", 1_000],
  logMaxBytes: ["KILN_LOG_MAX_BYTES", 256 << 10],
  kvMaxKeyBytes: ["KILN_KV_MAX_KEY_BYTES", 512],
  kvMaxValueBytes: ["KILN_KV_MAX_VALUE_BYTES", 64 << 10],
  kvMaxKeys: ["KILN_KV_MAX_KEYS", 10_000],
  kvMaxCalls: ["KILN_KV_MAX_CALLS", 1_000],
  kvMaxList: ["KILN_KV_MAX_LIST", 1_000],
  httpMaxCalls: ["KILN_HTTP_MAX_CALLS", 20],
  // Well under the default run deadline (5 s), so a slow upstream leaves the script time to handle it.
  httpTimeoutMs: ["KILN_HTTP_TIMEOUT_MS", 3_000],
  httpMaxRequestBytes: ["KILN_HTTP_MAX_REQUEST_BYTES", 1 << 20],
  httpMaxResponseBytes: ["KILN_HTTP_MAX_RESPONSE_BYTES", 1 << 20],
  httpMaxRedirects: ["KILN_HTTP_MAX_REDIRECTS", 5],
  tokenTtlSeconds: ["KILN_TOKEN_TTL_SECONDS", 30 * 24 * 3600],
  tenantPerMinute: ["KILN_RATE_TENANT_PER_MINUTE", 60_000],
  scriptPerMinute: ["KILN_RATE_SCRIPT_PER_MINUTE", 30_000],
  quarantineThreshold: ["KILN_QUARANTINE_THRESHOLD", 10],
  quarantineWindowMs: ["KILN_QUARANTINE_WINDOW_MS", 60_000],
  stoppedThreshold: ["KILN_QUARANTINE_STOPPED_THRESHOLD", 3],
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
  if (n("httpTimeoutMs") < 1) throw new Error("config: KILN_HTTP_TIMEOUT_MS must be at least 1");
  if (maxima.memoryMb < MIN_MEMORY_MB) {
    throw new Error(`config: KILN_MAX_MEMORY_MB must be at least ${MIN_MEMORY_MB}`);
  }
  const port = n("port");
  if (port > 65_535) throw new Error(`config: PORT must be a TCP port (0 to 65535), got ${port}`);
  for (const [name, value] of [["KILN_JWT_KEY", env.KILN_JWT_KEY], ["KILN_SECRET_KEY", env.KILN_SECRET_KEY]] as const) {
    if (value && value.length < 32) throw new Error(`config: ${name} must be at least 32 characters`);
  }
  return {
    port,
    host: env.KILN_HOST || "0.0.0.0",
    defaults: { ...defaults, memoryMb: Math.max(defaults.memoryMb, MIN_MEMORY_MB) },
    maxima,
    maxOutputBytes: n("maxOutputBytes"),
    maxResultBytes: n("maxResultBytes"),
    maxCodeBytes: n("maxCodeBytes"),
    maxInputBytes: n("maxInputBytes"),
    maxBodyBytes: n("maxBodyBytes"),
    maxComponentBytes: n("maxComponentBytes"),
    workers: atLeastOne("KILN_WORKERS", n("workers")),
    spareWorkers: n("spareWorkers"),
    warmUp: env.KILN_WARM_UP === undefined ? undefined : env.KILN_WARM_UP.split(",").map((l) => l.trim()).filter(Boolean),
    warmInstances: n("warmInstances"),
    warmPoolBytes: n("warmPoolMb") * 1024 * 1024,
    snapshots: { minInitMs: n("snapshotMinInitMs"), cacheBytes: n("snapshotCacheMb") * 1024 * 1024 },
    maxQueue: n("maxQueue"),
    hostLimits: {
      logMaxEntries: n("logMaxEntries"),
      logMaxBytes: n("logMaxBytes"),
      kvMaxKeyBytes: n("kvMaxKeyBytes"),
      kvMaxValueBytes: n("kvMaxValueBytes"),
      kvMaxKeys: n("kvMaxKeys"),
      kvMaxCalls: n("kvMaxCalls"),
      kvMaxList: n("kvMaxList"),
      httpMaxCalls: n("httpMaxCalls"),
      httpTimeoutMs: n("httpTimeoutMs"),
      httpMaxRequestBytes: n("httpMaxRequestBytes"),
      httpMaxResponseBytes: n("httpMaxResponseBytes"),
      httpMaxRedirects: n("httpMaxRedirects"),
      httpAllowPrivate: /^(1|true|yes)$/i.test(env.KILN_HTTP_ALLOW_PRIVATE ?? ""),
    },
    grants: loadServerGrants(env),
    dbPath: env.KILN_DB_PATH || ".kiln/kiln.sqlite",
    redisUrl: env.KILN_REDIS_URL || undefined,
    cacheDir: env.KILN_CACHE_DIR || ".kiln/cache",
    mode: loadMode(env.KILN_ENV),
    adminToken: env.KILN_ADMIN_TOKEN || undefined,
    jwtKey: env.KILN_JWT_KEY || undefined,
    secretKey: env.KILN_SECRET_KEY || undefined,
    tokenTtlSeconds: Math.max(60, n("tokenTtlSeconds")),
    rate: {
      tenantPerMinute: n("tenantPerMinute"),
      scriptPerMinute: n("scriptPerMinute"),
      quarantineThreshold: Math.max(1, n("quarantineThreshold")),
      quarantineWindowMs: n("quarantineWindowMs"),
      stoppedThreshold: Math.max(1, n("stoppedThreshold")),
    },
  };
}

/** `KILN_GRANTS` (JSON: `{kv: {namespaces}, http: {allow}}`) and `KILN_SECRETS` (JSON: name → value). */
function loadServerGrants(env: Record<string, string | undefined>): ConfiguredGrants {
  const json = (name: string, fallback: unknown): any => {
    const raw = env[name];
    if (!raw) return fallback;
    try {
      return JSON.parse(raw);
    } catch {
      throw new Error(`config: ${name} must be JSON`);
    }
  };
  const grants = json("KILN_GRANTS", {});
  const secrets = json("KILN_SECRETS", {});
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");
  const namespaces = grants.kv?.namespaces ?? ["*"];
  const allow = grants.http?.allow ?? [];
  if (!strings(namespaces) || !strings(allow)) {
    throw new Error("config: KILN_GRANTS must look like {\"kv\":{\"namespaces\":[\"*\"]},\"http\":{\"allow\":[\"api.example.com\"]}}");
  }
  if (typeof secrets !== "object" || secrets === null || !Object.values(secrets).every((v) => typeof v === "string")) {
    throw new Error("config: KILN_SECRETS must be a JSON object of name to string value");
  }
  return { kv: { namespaces }, http: { allow }, secrets };
}

/** KILN_ENV: `production`, or dev mode (unset, `dev`, `development`). Anything else is refused: a typo must never turn on dev mode. */
function loadMode(raw: string | undefined): "production" | "dev" {
  if (raw === "production") return "production";
  if (raw === undefined || raw === "" || raw === "dev" || raw === "development") return "dev";
  throw new Error(`config: KILN_ENV must be production or dev, got ${JSON.stringify(raw)}`);
}

function atLeastOne(name: string, value: number): number {
  if (value < 1) throw new Error(`config: ${name} must be at least 1`);
  return value;
}
