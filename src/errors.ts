/**
 * Every error Kiln knows about, in one place.
 *
 * Three kinds of outcome are kept apart:
 * - `RequestError`: the caller sent something wrong. Mapped to a 4xx by the app's one `onError`.
 * - `TrapReason` / `GuestErrorCode`: the guest failed. Returned as data (`ok:false`), never thrown to HTTP.
 * - anything else thrown is a host bug: a logged 500.
 */

/** Why a run was stopped by the host. A closed list. */
export const TRAP_REASONS = ["fuel_exhausted", "memory_exhausted", "timeout", "output_limit"] as const;
export type TrapReason = (typeof TRAP_REASONS)[number];

/** The closed set of `error.code` values a failed run can carry. */
export const GUEST_ERROR_CODES = ["syntax_error", "guest_error", ...TRAP_REASONS] as const;
export type GuestErrorCode = (typeof GUEST_ERROR_CODES)[number];

/** A failed run, as returned to the caller inside `{ok:false, error}`. */
export interface GuestError {
  code: GuestErrorCode;
  message: string;
  stack?: string;
  line?: number;
  column?: number;
}

/** The stable machine-readable codes of request errors. A closed list. */
export const REQUEST_ERROR_CODES = [
  "invalid_json",
  "invalid_request",
  "invalid_script",
  "invalid_component",
  "forbidden_import",
  "not_supported",
  "unauthorized",
  "forbidden",
  "grant_denied",
  "unsupported_language",
  "payload_too_large",
  "not_found",
  "conflict",
  "not_recorded",
  "quarantined",
  "rate_limited",
  "quota_exceeded",
  "overloaded",
  "unavailable",
] as const;
export type RequestErrorCode = (typeof REQUEST_ERROR_CODES)[number];

type Status = 400 | 401 | 403 | 404 | 409 | 413 | 423 | 429 | 501 | 503;

/** The HTTP status of each request error code. */
export const REQUEST_ERROR_STATUS: Record<RequestErrorCode, Status> = {
  invalid_json: 400,
  invalid_request: 400,
  invalid_script: 400,
  invalid_component: 400,
  forbidden_import: 400,
  not_supported: 501,
  unauthorized: 401,
  forbidden: 403,
  grant_denied: 403,
  conflict: 409,
  not_recorded: 409,
  quarantined: 423,
  rate_limited: 429,
  quota_exceeded: 429,
  unsupported_language: 400,
  payload_too_large: 413,
  not_found: 404,
  overloaded: 503,
  unavailable: 503,
};

/** The caller's request cannot be served as sent. */
export class RequestError extends Error {
  override readonly name = "RequestError";
  readonly status: Status;
  constructor(
    readonly code: RequestErrorCode,
    message: string,
    /** Seconds after which a retry may succeed (429, 423, 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.status = REQUEST_ERROR_STATUS[code];
  }
}

/**
 * Why a host call failed, mirroring the WIT `host-error` variant (wit/types.wit). The guest sees an
 * error with this `code`; the run goes on. Messages never contain secret values.
 */
export type HostErrorCode = "capability_denied" | "limit_exceeded" | "invalid_argument" | "failed";

/** A host call the guest made was refused or failed. Returned to the guest, never to HTTP. */
export class HostCallError extends Error {
  override readonly name = "HostCallError";
  constructor(
    readonly code: HostErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown when something is used after `dispose()`. */
export class DisposedError extends Error {
  override readonly name = "DisposedError";
}
