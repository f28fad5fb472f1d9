/** @module Interface kiln:sandbox/types@0.1.0 **/
/**
 * Why a host call failed. The guest sees it as an error with a `code`; the run goes on.
 */
export type HostError = HostErrorDenied | HostErrorLimit | HostErrorInvalid | HostErrorFailed;
/**
 * The run was not granted this capability, or this target (`capability_denied`).
 */
export interface HostErrorDenied {
  tag: 'denied',
  val: string,
}
/**
 * A per-run or per-value cap was reached (`limit_exceeded`).
 */
export interface HostErrorLimit {
  tag: 'limit',
  val: string,
}
/**
 * An argument is malformed (`invalid_argument`).
 */
export interface HostErrorInvalid {
  tag: 'invalid',
  val: string,
}
/**
 * The operation was attempted and failed: a network error, a timeout (`failed`).
 */
export interface HostErrorFailed {
  tag: 'failed',
  val: string,
}
