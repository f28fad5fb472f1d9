/** @module Interface kiln:sandbox/secrets@0.1.0 **/
/**
 * The value of the secret `name`. A name the run's grants do not list is `denied`; a granted
 * secret that no longer exists (it was deleted after the script was deployed) is `none`.
 */
export function get(name: string): string | undefined;
export type HostError = import('./kiln-sandbox-types.js').HostError;
