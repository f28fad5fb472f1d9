import type { QuickJSLanguageDescriptor } from "../../src/engine/quickjs/prepare-source.ts";
import { prepareTypeScript, withModules } from "../../src/engine/quickjs/prepare-source.ts";

/**
 * TypeScript is transpiled to JavaScript (types stripped, not checked) by the engine's transpiler,
 * esbuild, within the run's deadline, and runs on QuickJS; errors point into the TypeScript. The
 * run's files are modules it may import (`import { x } from "./util.ts"`, or `"./util"`), transpiled too.
 * It imports JavaScript's libraries by bare name (`import { z } from "zod"`), the same ones.
 */
export const typescript: QuickJSLanguageDescriptor = {
  engine: "quickjs",
  language: { name: "typescript", aliases: ["ts"], version: "transpiled by esbuild 0.28 (types stripped, not checked), run on QuickJS 2025-09-13", example: `export default (input: { name: string }): string => "hi " + input.name`, syntax: "typescript" },
  libraryModules: { sameAs: "javascript" },
  /** A new worker's first TypeScript check loads esbuild. */
  warmUp: "export default (input: unknown): unknown => input",
  driver: {
    prepare: async (code, { kind, timeoutMs, transpiler, files }) => withModules(await prepareTypeScript(code, transpiler, { timeoutMs, kind }), files, transpiler, { timeoutMs }),
  },
};
