/** @module Interface kiln:sandbox/http@0.1.0 **/
/**
 * Sends `req` and returns the final response (after allowed redirects). Each request's
 * timeout is the server's, cut short so that it ends before the run's deadline with time to
 * spare: a slow upstream is a `failed` error the script can handle, not the end of the run.
 */
export function fetch(req: Request): Response;
export type HostError = import('./kiln-sandbox-types.js').HostError;
export interface Request {
  method: string,
  url: string,
  /**
   * In order; a name may repeat.
   */
  headers: Array<[string, string]>,
  body?: Uint8Array,
}
export interface Response {
  status: number,
  /**
   * Names in lower case, in the order received; a name may repeat.
   */
  headers: Array<[string, string]>,
  body: Uint8Array,
}
