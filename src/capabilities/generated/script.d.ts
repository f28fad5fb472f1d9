// world kiln:sandbox/script@0.1.0
export type * as KilnSandboxHttp010 from './interfaces/kiln-sandbox-http.js'; // import kiln:sandbox/http@0.1.0
export type * as KilnSandboxKv010 from './interfaces/kiln-sandbox-kv.js'; // import kiln:sandbox/kv@0.1.0
export type * as KilnSandboxLog010 from './interfaces/kiln-sandbox-log.js'; // import kiln:sandbox/log@0.1.0
export type * as KilnSandboxSecrets010 from './interfaces/kiln-sandbox-secrets.js'; // import kiln:sandbox/secrets@0.1.0
export type * as KilnSandboxTypes010 from './interfaces/kiln-sandbox-types.js'; // import kiln:sandbox/types@0.1.0
/**
* Runs the script with JSON `input`; returns JSON output, or an error message.
*/
export function run(input: string): string;
