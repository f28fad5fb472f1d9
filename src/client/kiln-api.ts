/**
 * The shapes of Kiln's HTTP API as a caller sees them: request bodies and JSON responses. Written by
 * hand; where the server's own type is the wire shape it is imported (types only, so nothing of the
 * server is bundled), and test/client/kiln-client.test.ts checks every shape here against a live server.
 */
import type { RequestedGrants } from "../capabilities/grants.ts";
import type { LanguageInfo, RunOutcome, SourceType, Usage } from "../engine/engine.ts";
import type { GuestError, GuestErrorCode } from "../errors.ts";
import type { RunFile } from "../limits/run-inputs.ts";
import type { RequestedLimits } from "../limits/run-limits.ts";
import type { LogEvent } from "../platform/log-bus.ts";

export type { GuestError, GuestErrorCode, LanguageInfo, LogEvent, RequestedGrants, RequestedLimits, RunFile, SourceType, Usage };

/** What a run reads besides its code: all optional. */
export interface RunOptions {
  /** Any JSON value (default null). */
  input?: unknown;
  limits?: RequestedLimits;
  grants?: RequestedGrants;
  /** Text on standard input. */
  stdin?: string;
  /** The arguments after the script's name. */
  args?: string[];
  /** Files the code may import, by relative path. */
  files?: RunFile[];
}

/** `POST /v1/run` with code. */
export interface CodeRunRequest extends RunOptions {
  language: string;
  code: string;
  /** JavaScript and TypeScript: evaluate as an ES module or a classic script. */
  type?: SourceType;
}

/** `POST /v1/run` with a stored component's id. */
export interface ComponentRunRequest extends Omit<RunOptions, "files"> {
  component: string;
}

export type RunRequest = CodeRunRequest | ComponentRunRequest;

/** A run's response (HTTP 200 whether the guest succeeded or not). */
export type RunResult = RunOutcome;

/** `POST /v1/scripts/:name/invoke`: a run's response and the version that ran. */
export type InvokeResult = RunResult & { script: { name: string; version: number } };

/** `PUT /v1/scripts/:name`. */
export interface DeployRequest {
  language: string;
  code: string;
  grants?: RequestedGrants;
  limits?: RequestedLimits;
  type?: SourceType;
  stdin?: string;
  args?: string[];
  files?: RunFile[];
}

/** One version of a deployed script. */
export interface ScriptVersion {
  name: string;
  version: number;
  language: string;
  grants: RequestedGrants;
  limits: RequestedLimits | null;
  type?: SourceType;
  /** Default standard input, arguments and files of each invocation, when the deploy gave them. */
  stdin?: string;
  args?: string[];
  files?: RunFile[];
  /** ISO 8601. */
  createdAt: string;
}

/** `GET /v1/scripts/:name`: the live version with its code. */
export interface ScriptWithCode extends ScriptVersion {
  code: string;
}

export interface ScriptSummary {
  name: string;
  activeVersion: number;
  latestVersion: number;
  language: string;
  /** ISO 8601. */
  updatedAt: string;
}

/** `GET /v1/scripts/:name/versions`. */
export interface ScriptVersions {
  active: number | undefined;
  versions: ScriptVersion[];
}

/** A stored component (`POST /v1/components`, `GET /v1/components/:id`). */
export interface Component {
  /** The SHA-256 of its bytes, hex. */
  id: string;
  imports: string[];
  exports: string[];
  size: number;
  /** ISO 8601. */
  createdAt: string;
}

export type TenantScope = "run" | "deploy" | "logs";

/** What a tenant's runs may be granted at most; each part given replaces that part. */
export interface TenantGrants {
  http?: { allow: string[] };
  kv?: { maxKeys: number };
}

/** A tenant's own quotas; an absent one is the server's. */
export interface TenantQuotas {
  /** Runs per minute, across its scripts and ad-hoc runs (in place of KILN_RATE_TENANT_PER_MINUTE). */
  runsPerMinute?: number;
}

/** `POST /v1/tenants`. */
export interface NewTenant {
  grants?: TenantGrants;
  quotas?: TenantQuotas;
  /** What its tokens may do (default all three). */
  scopes?: TenantScope[];
  /** The first token's lifetime. */
  ttlSeconds?: number;
}

/** `PATCH /v1/tenants/:tenant`. */
export interface TenantChanges {
  grants?: TenantGrants;
  scopes?: TenantScope[];
  /** Replaces the quotas (`{}`: back to the server's). */
  quotas?: TenantQuotas;
}

/** `POST /v1/tenants/:tenant/tokens`. */
export interface TokenRequest {
  /** Some of the tenant's scopes (default all of them). */
  scopes?: TenantScope[];
  ttlSeconds?: number;
}

export interface Tenant {
  id: string;
  name: string;
  grants: { http: { allow: string[] }; kv: { maxKeys: number } };
  scopes: TenantScope[];
  quotas: TenantQuotas;
  /** ISO 8601. */
  createdAt: string;
}

export interface IssuedToken {
  token: string;
  scopes: TenantScope[];
  /** ISO 8601. */
  expiresAt: string;
}

/** One event of `GET /v1/logs/stream`. */
export type LogStreamEvent =
  | { event: "ready"; data: { tenant: string; script: string | null } }
  | { event: "log"; data: Extract<LogEvent, { stream: "log" | "stdout" | "stderr" }> }
  | { event: "run"; data: Extract<LogEvent, { stream: "run" }> };

/** `GET /dev/token` (dev mode, loopback only): tokens for trying Kiln out. */
export interface DevTokens {
  adminToken: string;
  tenantToken: string;
}
