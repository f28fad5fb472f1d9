/**
 * Checks a caller's component before it is stored: it must be a component whose world exports
 * `run: func(input: string) -> result<string, string>` and imports only what Kiln's host provides
 * (WASI without sockets or http, and kiln:sandbox). Throws `RequestError` (`invalid_component`,
 * or `forbidden_import` naming the imports). Provided by adapters that can run jco (Node, Deno, Bun).
 */
export interface ComponentChecker {
  check(bytes: Uint8Array): Promise<{ imports: string[]; exports: string[] }>;
}
