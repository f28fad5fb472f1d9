import type { QuickJSLanguageDescriptor } from "../../src/engine/quickjs/prepare-source.ts";
import { prepareTypeScript } from "../../src/engine/quickjs/prepare-source.ts";

/**
 * TypeScript is transpiled to JavaScript (types stripped, not checked) by the engine's transpiler,
 * esbuild, within the run's deadline, and runs on QuickJS; errors point into the TypeScript.
 */
export const typescript: QuickJSLanguageDescriptor = {
  engine: "quickjs",
  language: { name: "typescript", aliases: ["ts"], version: "transpiled by esbuild 0.28 (types stripped, not checked), run on QuickJS 2025-09-13" },
  driver: { prepare: (code, { kind, timeoutMs, transpiler }) => prepareTypeScript(code, transpiler, { timeoutMs, kind }) },
};
