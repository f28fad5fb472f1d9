/**
 * Durable platform state: tenants, their encrypted secrets, and deployed scripts with every version.
 * Every call about a tenant's data takes the tenant id from the caller's verified token, so no id a
 * caller guesses reaches another tenant's rows. Node keeps it in SQLite; `MemoryPlatformStore` serves
 * where there is no file system.
 */
import type { RequestedGrants } from "../capabilities/grants.ts";
import type { RequestedLimits } from "../limits/run-limits.ts";
import type { RunFile } from "../limits/run-inputs.ts";
import type { RunOutcome, SourceType, Usage } from "../engine/engine.ts";
import type { Scope } from "./token-authority.ts";
import type { GuestError, GuestErrorCode } from "../errors.ts";
import type { Recording } from "./recording.ts";

/** What a tenant's scripts may be granted at most. */
export interface TenantGrants {
  /** Host patterns the tenant's runs may be granted. */
  httpAllow: string[];
  /** Live keys per kv namespace. */
  kvMaxKeys: number;
}

/** A tenant's own limits; each absent one is the server's (`KILN_RATE_TENANT_PER_MINUTE`, `KILN_FUEL_PER_*`, `KILN_RUN_HISTORY_*`). */
export interface TenantQuotas {
  /** Runs per minute, across its scripts and ad-hoc runs. */
  runsPerMinute?: number;
  /** Fuel its runs may burn per minute and per day. */
  fuelPerMinute?: number;
  fuelPerDay?: number;
  /** Runs kept in its run history (0: none), and for how many days. */
  runHistoryMax?: number;
  runHistoryDays?: number;
}

export interface Tenant {
  id: string;
  name: string;
  grants: TenantGrants;
  /** What the tenant's tokens may do; absent: every tenant scope (run, deploy, logs), as before tenants had scopes. */
  scopes?: Scope[];
  /** The tenant's own quotas, in place of the server's defaults. */
  quotas?: TenantQuotas;
  createdAt: number;
}

/** What a deploy stores, besides the code. */
export interface ScriptSpec {
  language: string;
  code: string;
  grants: RequestedGrants;
  limits?: RequestedLimits;
  /** Module or script (JavaScript and TypeScript), when the deploy said. */
  type?: SourceType;
  /** Default standard input of each invocation. */
  stdin?: string;
  /** Default arguments of each invocation. */
  args?: string[];
  /** Files the code imports (code too: stored with the version). */
  files?: RunFile[];
  /** Record each invocation for replay (`POST /v1/runs/{id}/replay`; src/platform/recording.ts). */
  record?: boolean;
}

export interface ScriptVersion extends ScriptSpec {
  name: string;
  version: number;
  createdAt: number;
}

export interface ScriptSummary {
  name: string;
  activeVersion: number;
  latestVersion: number;
  language: string;
  updatedAt: number;
}

/** A caller's own WebAssembly component, kept per tenant under the SHA-256 of its bytes. */
export interface ComponentRecord {
  id: string;
  /** The interfaces it imports and what it exports, as checked at upload. */
  imports: string[];
  exports: string[];
  size: number;
  createdAt: number;
}

/* Run history (src/platform/run-history.ts): what the store keeps of each run. */

/** What a list of runs shows of each. */
export interface RunSummary {
  id: string;
  tenantId: string;
  /** The deployed script and its version; null for an ad-hoc run. */
  script: string | null;
  version: number | null;
  language: string;
  /** `ok` or the guest error's code. */
  outcome: "ok" | GuestErrorCode;
  /** `invoke` for a deployed script's invocation, `run` for ad-hoc code or a component. */
  kind: "run" | "invoke";
  usage: Usage;
  /** When it started, in ms since the epoch. */
  startedAt: number;
  /** Whether the run was recorded for replay (set by the recording code; false otherwise). */
  recorded: boolean;
}

/** A run as `GET /v1/runs/{id}` shows it: its summary, output, logs, and result or error. */
export interface RunRecord extends RunSummary {
  stdout: string;
  stderr: string;
  logs: RunOutcome["logs"];
  /** The result of a run that ended `ok`. */
  result?: unknown;
  /** The error of one that did not. */
  error?: GuestError;
}

/** How many of a tenant's runs are kept (0: none), and for how long. */
export interface RunRetention {
  maxRuns: number;
  maxAgeMs: number;
}

/** Where a page of runs starts: after the run with this start time and id (newest first). */
export interface RunPosition {
  startedAt: number;
  id: string;
}

export interface RunListQuery {
  script?: string;
  outcome?: string;
  limit: number;
  /** Only runs strictly older than this position. */
  after?: RunPosition;
  /** Only runs that started at or after this time (ms): the retention age. */
  since: number;
}

export interface PlatformStore extends Disposable {
  createTenant(tenant: Tenant): Promise<void>;
  getTenant(id: string): Promise<Tenant | undefined>;
  findTenantByName(name: string): Promise<Tenant | undefined>;
  /** Every tenant, by name. */
  listTenants(): Promise<Tenant[]>;
  /** Replaces a tenant's grants, scopes and quotas (its id, name and creation time stay); false when there is no such tenant. */
  updateTenant(tenant: Tenant): Promise<boolean>;
  /**
   * Removes a tenant and everything it owns: scripts with every version, secrets, components, and its
   * `kv` entries where they live in this store (the SQLite file on Node, Redis). False when there is no such tenant.
   */
  deleteTenant(id: string): Promise<boolean>;

  /** Stores a secret already encrypted by the caller. */
  putSecret(tenantId: string, name: string, sealed: string): Promise<void>;
  deleteSecret(tenantId: string, name: string): Promise<boolean>;
  /** Sealed secrets by name. */
  getSecrets(tenantId: string): Promise<Record<string, string>>;

  /** Stores a new version (the previous latest + 1) and makes it active, in one transaction. */
  deployScript(tenantId: string, name: string, spec: ScriptSpec): Promise<ScriptVersion>;
  /** The active version, which every new invocation runs. */
  getActiveScript(tenantId: string, name: string): Promise<ScriptVersion | undefined>;
  getScriptVersion(tenantId: string, name: string, version: number): Promise<ScriptVersion | undefined>;
  listScripts(tenantId: string): Promise<ScriptSummary[]>;
  listVersions(tenantId: string, name: string): Promise<ScriptVersion[]>;
  /** Makes an existing version active again; false when there is no such version. */
  activateVersion(tenantId: string, name: string, version: number): Promise<boolean>;
  deleteScript(tenantId: string, name: string): Promise<boolean>;

  /** Stores an uploaded component; storing the same id again keeps the first record. */
  putComponent(tenantId: string, record: ComponentRecord, bytes: Uint8Array): Promise<void>;
  getComponent(tenantId: string, id: string): Promise<{ record: ComponentRecord; bytes: Uint8Array } | undefined>;
  /** The tenant's components, oldest first. */
  listComponents(tenantId: string): Promise<ComponentRecord[]>;
  deleteComponent(tenantId: string, id: string): Promise<boolean>;

  /**
   * Stores a finished run, then drops the tenant's runs beyond `retention` (the oldest past its count,
   * and any older than its age).
   */
  putRun(record: RunRecord, retention: RunRetention): Promise<void>;
  /** One of the tenant's runs that started at or after `since` (ms). */
  getRun(tenantId: string, id: string, since: number): Promise<RunRecord | undefined>;
  /** The tenant's runs, newest first (by start, then id), that match the query. */
  listRuns(tenantId: string, query: RunListQuery): Promise<RunSummary[]>;

  /** Stores a run's recording (src/platform/recording.ts), then drops the tenant's recordings beyond `retention` (as its runs). */
  putRecording(tenantId: string, recording: Recording, retention: RunRetention): Promise<void>;
  getRecording(tenantId: string, runId: string): Promise<Recording | undefined>;

  /** Server-wide settings that must survive restarts (generated dev keys). */
  getMeta(key: string): Promise<string | undefined>;
  setMetaIfAbsent(key: string, value: string): Promise<string>;

  dispose(): void;
}
