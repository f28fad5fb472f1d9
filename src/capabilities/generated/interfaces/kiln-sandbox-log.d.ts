/** @module Interface kiln:sandbox/log@0.1.0 **/
/**
 * Appends one entry to the run's log stream.
 */
export function write(level: Level, message: string): void;
export type HostError = import('./kiln-sandbox-types.js').HostError;
/**
 * # Variants
 * 
 * ## `"debug"`
 * 
 * ## `"info"`
 * 
 * ## `"warn"`
 * 
 * ## `"error"`
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
