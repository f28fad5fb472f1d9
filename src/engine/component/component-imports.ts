import { createWasiHost } from "./wasi/wasi-host.ts";

/** The interfaces a component's world imports, read from its WIT (as jco's `componentWit` prints it), versions kept. */
export function importsOfWit(wit: string): string[] {
  return [...wit.matchAll(/^\s*import\s+([a-z][\w-]*:[\w-]+\/[\w-]+(?:@[\w.+-]+)?)\s*;/gm)].map((m) => m[1]!);
}

/** Interfaces a component may import: exactly what Kiln's per-instance WASI host implements. */
export const ALLOWED_IMPORTS: ReadonlySet<string> = new Set(Object.keys(createWasiHost({ maxOutputBytes: 0 }).imports));

/**
 * The imports a component may not have, checked before it is ever instantiated: anything outside the
 * allowed set (sockets, wasi:http, unknown packages), and any import that is not a plain interface
 * (a bare function import). Empty when the component is acceptable.
 */
export function forbiddenImports(wit: string): string[] {
  const bare = [...wit.matchAll(/^\s*import\s+([\w-]+)\s*:\s*func/gm)].map((m) => m[1]!);
  return [...bare, ...importsOfWit(wit).filter((name) => !ALLOWED_IMPORTS.has(name.replace(/@.*$/, "")))];
}
