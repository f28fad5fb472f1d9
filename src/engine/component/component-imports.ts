import { createWasiHost } from "./wasi/wasi-host.ts";

/** The interfaces a component's world imports, read from its WIT (as jco's `componentWit` prints it), versions kept. */
export function importsOfWit(wit: string): string[] {
  return [...wit.matchAll(/^\s*import\s+([a-z][\w-]*:[\w-]+\/[\w-]+(?:@[\w.+-]+)?)\s*;/gm)].map((m) => m[1]!);
}

/** The functions and interfaces a component exports, as `componentWit` prints them. */
export function exportsOfWit(wit: string): string[] {
  return [...wit.matchAll(/^\s*export\s+([\w:/@.-]+)\s*[:;]/gm)].map((m) => m[1]!);
}

/** Kiln's own WIT interfaces (wit/), with the version a component must import them at. */
const KILN_INTERFACES = ["types", "log", "kv", "http", "secrets"].map((name) => `kiln:sandbox/${name}@0.1.0`);

/**
 * Interfaces a caller's component may import: what Kiln's per-instance WASI host implements (any
 * 0.2 version) and Kiln's WIT interfaces at their exact version.
 */
export const ALLOWED_IMPORTS: ReadonlySet<string> = new Set([...Object.keys(createWasiHost({ maxOutputBytes: 0 }).imports), ...KILN_INTERFACES]);

/** What Kiln's own language runtimes may import besides: the JSON host-call function (languages/lua). */
export const RUNTIME_IMPORTS: ReadonlySet<string> = new Set([...ALLOWED_IMPORTS, "kiln:runtime/host@0.1.0"]);

/**
 * The imports a component may not have, checked before it is ever instantiated: anything outside the
 * allowed set (sockets, wasi:http, unknown packages, other versions of Kiln's interfaces), and any
 * import that is not a plain interface (a bare function import). Empty when the component is acceptable.
 */
export function forbiddenImports(wit: string, allowed: ReadonlySet<string> = ALLOWED_IMPORTS): string[] {
  const bare = [...wit.matchAll(/^\s*import\s+([\w-]+)\s*:\s*func/gm)].map((m) => m[1]!);
  const ok = (name: string) => (name.startsWith("wasi:") ? allowed.has(name.replace(/@0\.2\.\d+$/, "")) : allowed.has(name));
  return [...bare, ...importsOfWit(wit).filter((name) => !ok(name))];
}
