/** Design rules that code review alone would let slip. */
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { describe, expect, it } from "vitest";

const SRC = new URL("../src/", import.meta.url);
const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts")).sort();
const core = files.filter((f) => !f.startsWith("adapters/"));
const read = (f: string) => readFileSync(new URL(f, SRC), "utf8");
/** Source without comments, so prose may mention what code may not use. */
const code = (f: string) => read(f).replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
const imports = (text: string) => [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["']([^"']+)["']/g)].map((m) => m[1]!);
const NODE = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

describe("the core is runtime-agnostic", () => {
  it("has core files to check", () => expect(core.length).toBeGreaterThan(20));

  for (const file of core) {
    it(`${file} imports no Node built-in and touches no Node global`, () => {
      const text = code(file);
      expect(imports(text).filter((s) => s.startsWith("node:") || NODE.has(s))).toEqual([]);
      expect(text).not.toMatch(/\b(process|Buffer|require|__dirname|__filename)\s*[.(]/);
    });
  }
});

describe("layout", () => {
  it("keeps files small and names no utils", () => {
    for (const file of files) {
      expect(file).not.toMatch(/utils?\.ts$/);
      expect(read(file).split("\n").length, file).toBeLessThanOrEqual(320);
    }
  });

  it("hard-codes no wasm path in src/ (runtimes/ names the artifacts; bare cache file names are fine)", () => {
    for (const file of files) expect(code(file), file).not.toMatch(/["'][^"']*\/[^"']*\w\.wasm["']/);
  });
});
