import type { LanguageInfo } from "../engine.ts";

/** How `GET /v1/languages` lists callers' own components where they can be run. */
export const COMPONENT_LANGUAGE: LanguageInfo = {
  name: "component",
  version: "WebAssembly components of world kiln:sandbox/script@0.1.0 (WASI 0.2)",
  aliases: [],
  engine: "component",
};

/**
 * Checks a caller's component before it is stored: it must be a component whose world exports
 * `run: func(input: string) -> result<string, string>` and imports only what Kiln's host provides
 * (WASI without sockets or http, and kiln:sandbox). Throws `RequestError` (`invalid_component`,
 * or `forbidden_import` naming the imports). Provided by adapters that can run jco (Node).
 */
export interface ComponentCompiler {
  check(bytes: Uint8Array): Promise<{ imports: string[]; exports: string[] }>;
}
