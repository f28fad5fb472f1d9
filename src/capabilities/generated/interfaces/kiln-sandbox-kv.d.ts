/** @module Interface kiln:sandbox/kv@0.1.0 **/
/**
 * The value stored under `key`, if any and not expired.
 */
export function get(key: string): string | undefined;
/**
 * Stores `value` under `key`; with `ttl-ms` it expires that many milliseconds later.
 */
export function set(key: string, value: string, ttlMs: bigint | undefined): void;
/**
 * Removes `key`; true when it existed.
 */
export { _delete as delete };
declare function _delete(key: string): boolean;
/**
 * Keys that start with `prefix`, in order, at most `limit` of them.
 */
export function list(prefix: string, limit: number | undefined): Array<string>;
export type HostError = import('./kiln-sandbox-types.js').HostError;
