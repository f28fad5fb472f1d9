import type * as esbuild from "esbuild";
import { columnOfByte } from "./source-positions.ts";

/**
 * TypeScript turned into JavaScript with a source map back to it, the first reason it does not
 * compile, or `timedOut` when transpiling took longer than it was given (and was stopped).
 */
export type TranspiledTypeScript =
  | { code: string; map: string }
  | { syntaxError: { message: string; line?: number; column?: number } }
  | { timedOut: true };

/**
 * Turns a TypeScript source into JavaScript QuickJS runs, within `timeoutMs` where it can stop the
 * work. Positions are 1-based, columns in characters. The engine gets one from its adapter;
 * `esbuildTranspiler` makes one from either build of esbuild.
 */
export type TypeScriptTranspiler = (source: string, options?: { timeoutMs?: number }) => Promise<TranspiledTypeScript>;

/** The part of esbuild's API Kiln uses: the native package (`esbuild`) and `esbuild-wasm` both have it. */
export type EsbuildApi = Pick<typeof esbuild, "transform"> & Partial<Pick<typeof esbuild, "stop">>;

/** What a TypeScript run's source is called in source maps and stack frames. */
export const TYPESCRIPT_FILE = "script.ts";

/**
 * How every adapter transpiles, so TypeScript means the same on Node, Deno, Bun and workerd: the
 * whole language (namespaces, enums and const enums, parameter properties, standard decorators,
 * `using`) lowered to ES2024, which QuickJS parses; types are stripped, not checked. Unused imports
 * are elided, as tsc does. Text is kept as UTF-8 (not escaped), so strings and positions are the caller's.
 */
export const ESBUILD_TRANSFORM = {
  loader: "ts",
  sourcefile: TYPESCRIPT_FILE,
  sourcemap: "external",
  sourcesContent: false,
  target: "es2024",
  charset: "utf8",
  logLevel: "silent",
  tsconfigRaw: { compilerOptions: { experimentalDecorators: false, useDefineForClassFields: true, verbatimModuleSyntax: false } },
} satisfies esbuild.TransformOptions;

const isFailure = (e: unknown): e is esbuild.TransformFailure => e instanceof Error && Array.isArray((e as Partial<esbuild.TransformFailure>).errors);

/**
 * A transpiler backed by esbuild, loaded on first use by `load` (the native package where processes
 * can be started, esbuild-wasm elsewhere). esbuild reports TypeScript syntax errors and early errors
 * (a redeclared `const`, say) at their place in the TypeScript; it counts columns in UTF-8 bytes.
 * When esbuild itself fails (its process died), it is stopped, loaded again and asked once more; a
 * second failure is the host's problem.
 *
 * A transform still running at `timeoutMs` is stopped with esbuild's service (the next one starts a
 * new one): esbuild runs outside the sandbox, unmetered, and some small sources take it very long
 * (`x=>x=>…` 1,000 deep, 3 KB, took 3.5 s). esbuild-wasm run in the same thread cannot be stopped:
 * it finishes first.
 */
export function esbuildTranspiler(load: () => Promise<EsbuildApi>): TypeScriptTranspiler {
  let api: Promise<EsbuildApi> | undefined;
  const loaded = () =>
    (api ??= load().catch((e: unknown) => {
      api = undefined; // a later run may try again
      throw e;
    }));
  const transpile = async (source: string, timeoutMs: number | undefined, retry: boolean): Promise<TranspiledTypeScript> => {
    const esbuild = await loaded();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const work = esbuild.transform(source, ESBUILD_TRANSFORM);
    const late = timeoutMs === undefined ? undefined : new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), timeoutMs)));
    try {
      const done = await (late ? Promise.race([work, late]) : work);
      if (done === "late") {
        work.catch(() => undefined); // rejected by the stop below
        await esbuild.stop?.();
        api = undefined;
        return { timedOut: true };
      }
      return { code: done.code, map: done.map };
    } catch (e) {
      if (isFailure(e) && e.errors.length) {
        const { text, location } = e.errors[0]!;
        if (!location) return { syntaxError: { message: text } };
        return { syntaxError: { message: text, line: location.line, column: columnOfByte(location.lineText, location.column) } };
      }
      // esbuild's service is gone ("The service is no longer running"): the next transform starts a new one.
      await esbuild.stop?.();
      api = undefined;
      if (!retry) throw e;
      return transpile(source, timeoutMs, false);
    } finally {
      clearTimeout(timer);
    }
  };
  return (source, options) => transpile(source, options?.timeoutMs, true);
}

/**
 * esbuild compiled to WebAssembly and run in this thread, for runtimes that may not start esbuild's
 * binary (Deno without --allow-run, workerd): the same esbuild, so the same output. `wasmModule` is
 * esbuild-wasm's `esbuild.wasm`, compiled by the adapter (workerd imports it as a module).
 */
export function esbuildWasmTranspiler(wasmModule: () => Promise<WebAssembly.Module>): TypeScriptTranspiler {
  return esbuildTranspiler(async () => {
    const esbuild = await import("esbuild-wasm/esm/browser.js");
    await esbuild.initialize({ wasmModule: await wasmModule(), worker: false });
    return esbuild;
  });
}

/**
 * Remembers what `transpile` answered for recent sources, up to `maxBytes` of text (sources, code
 * and maps, 2 bytes a UTF-16 unit), dropping the least recently used first: a deployed script runs
 * the same code again and again, and esbuild answers the same for the same source, so an answer never
 * goes stale. A failure of the transpiler itself, or a transform stopped at its deadline, is not remembered.
 */
export function cachedTranspiler(transpile: TypeScriptTranspiler, options: { maxBytes: number }): TypeScriptTranspiler {
  const cache = new Map<string, { result: TranspiledTypeScript; bytes: number }>();
  let held = 0;
  return async (source, transpileOptions) => {
    const hit = cache.get(source);
    if (hit) {
      cache.delete(source);
      cache.set(source, hit);
      return hit.result;
    }
    const result = await transpile(source, transpileOptions);
    // A transform stopped at its deadline says nothing about the source: a longer deadline may see it through.
    if ("timedOut" in result) return result;
    const bytes = 2 * (source.length + ("code" in result ? result.code.length + result.map.length : result.syntaxError.message.length));
    if (bytes <= options.maxBytes && !cache.has(source)) {
      cache.set(source, { result, bytes });
      held += bytes;
      for (const [key, entry] of cache) {
        if (held <= options.maxBytes) break;
        cache.delete(key);
        held -= entry.bytes;
      }
    }
    return result;
  };
}
