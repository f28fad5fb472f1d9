import type { QuickJSLanguageDescriptor } from "../../src/engine/quickjs/prepare-source.ts";
import { prepareSource, withModules } from "../../src/engine/quickjs/prepare-source.ts";
import { JAVASCRIPT_LIBRARIES, loadJavaScriptLibraries } from "./libraries.ts";

/**
 * JavaScript runs on QuickJS as the caller wrote it: an ES module (`export default`, `export function
 * main`) or a classic script (`module.exports`), as the request's `type` says or the code suggests.
 * The run's files are modules it may import (`import "./util.js"`); TypeScript ones are transpiled.
 * The libraries of libraries.ts are imported by bare name (`import _ from "lodash"`).
 */
export const javascript: QuickJSLanguageDescriptor = {
  engine: "quickjs",
  language: { name: "javascript", aliases: ["js"], version: "ES2023 (QuickJS 2025-09-13, quickjs-emscripten 0.32.0)", libraries: JAVASCRIPT_LIBRARIES, example: `export default (input) => "hi " + input.name`, syntax: "javascript" },
  libraryModules: loadJavaScriptLibraries,
  driver: {
    prepare: (code, { kind, files, timeoutMs, transpiler }) => (files?.length ? withModules(prepareSource(code, kind), files, transpiler, { timeoutMs }) : prepareSource(code, kind)),
  },
};
