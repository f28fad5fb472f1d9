import type { QuickJSLanguageDescriptor } from "../../src/engine/quickjs/prepare-source.ts";
import { prepareSource } from "../../src/engine/quickjs/prepare-source.ts";

/**
 * JavaScript runs on QuickJS as the caller wrote it: an ES module (`export default`, `export function
 * main`) or a classic script (`module.exports`), as the request's `type` says or the code suggests.
 */
export const javascript: QuickJSLanguageDescriptor = {
  engine: "quickjs",
  language: { name: "javascript", aliases: ["js"], version: "ES2023 (QuickJS 2025-09-13, quickjs-emscripten 0.32.0)" },
  driver: { prepare: (code, { kind }) => prepareSource(code, kind) },
};
