/** Design rules that code review alone would let slip. */
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../", import.meta.url);
/** The code under the rules: src/ and the language folders, as paths from the repository's root. */
const files = ["src", "languages"]
  .flatMap((dir) => (readdirSync(new URL(`${dir}/`, ROOT), { recursive: true }) as string[]).map((f) => `${dir}/${f}`))
  .filter((f) => f.endsWith(".ts"))
  .sort();
const core = files.filter((f) => !f.startsWith("src/adapters/"));
const read = (f: string) => readFileSync(new URL(f, ROOT), "utf8");
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
  it("names no utils: a file is one concept, named after it", () => {
    for (const file of files) expect(file).not.toMatch(/utils?\.ts$/);
  });

  it("hard-codes no wasm path in src/ (each language's folder names its artifacts; bare cache file names are fine)", () => {
    for (const file of files.filter((f) => f.startsWith("src/"))) expect(code(file), file).not.toMatch(/["'][^"']*\/[^"']*\w\.wasm["']/);
  });
});

/**
 * The layers, top to bottom: a file may import its own layer and the ones below, never one above.
 * The composition roots wire the app; `base` (errors, config, the server log) is for everyone and
 * imports only itself. Each language's folder (languages/<name>/) sits between the platform and the engine: it may use
 * the engine and the capabilities below it, never another language's folder; only the list
 * (languages/index.ts) gathers them. Adapters sit at the edge: they may import the core, the core
 * never imports them, and no adapter imports another. The client (src/client/, what `kiln/client`
 * exports) sits above the app but runs in callers' programs: of the core it takes only types (and base).
 */
const LAYERS: Record<string, number> = {
  client: 6.5, playground: 6.5,
  "app.ts": 6, "in-process-app.ts": 6, "quickjs-defaults.ts": 6, "served-languages.ts": 6, "prepared-component-engine.ts": 6,
  http: 5,
  platform: 4,
  engine: 3,
  capabilities: 2,
  net: 1, limits: 1,
  "errors.ts": 0, "config.ts": 0, "server-log.ts": 0,
};
/** The layer (or adapter, or language folder) a file belongs to. */
function layerOf(file: string): { name: string; rank: number } {
  const [root, top, next] = file.split("/");
  if (root === "languages") return top === "index.ts" ? { name: "languages/index", rank: 3.6 } : { name: `languages/${top}`, rank: 3.5 };
  if (top === "adapters") return { name: `adapters/${next}`, rank: 7 };
  const rank = LAYERS[top!];
  if (rank === undefined) throw new Error(`architecture: ${file} is in no layer; add its folder to LAYERS`);
  return { name: top!.replace(/\.ts$/, ""), rank };
}
/** Relative imports among the checked files, as [from, to] paths from the repository's root. */
function importEdges(): [string, string][] {
  const edges: [string, string][] = [];
  for (const file of files) {
    for (const spec of imports(code(file))) {
      if (!spec.startsWith(".")) continue;
      const target = normalize(join(dirname(file), spec));
      if (target.startsWith("src/") || target.startsWith("languages/")) edges.push([file, target]);
    }
  }
  return edges;
}
/** The imports that break the layer rule. */
function backImports(edges: readonly [string, string][]): string[] {
  const out: string[] = [];
  for (const [from, to] of edges) {
    const a = layerOf(from);
    const b = layerOf(to);
    if (a.name === b.name) continue;
    const edgeToEdge = a.name.startsWith("adapters/") && b.name.startsWith("adapters/");
    const languageToLanguage = a.name.startsWith("languages/") && b.name.startsWith("languages/") && a.name !== "languages/index";
    if (edgeToEdge || languageToLanguage || b.rank > a.rank || (a.rank === 0 && b.rank > 0)) out.push(`${from} -> ${to}`);
  }
  return out.sort();
}
/** Import circles among src/ files (Tarjan's strongly connected components of more than one file). */
function circles(edges: readonly [string, string][]): string[][] {
  const next = new Map<string, string[]>();
  for (const [a, b] of edges) next.set(a, [...(next.get(a) ?? []), b]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) (visit(w), low.set(v, Math.min(low.get(v)!, low.get(w)!)));
      else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do component.push((w = stack.pop()!));
      while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The specifiers of a file's imports and re-exports that are not `import type` / `export type`. */
function runtimeImports(text: string): string[] {
  return [...text.matchAll(/(?:^|[;\n])\s*(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']/g)].map((m) => (m[1] ?? m[2])!);
}
/** Whether a client file may import `spec` at run time: another client file, or base. */
/** The npm packages kiln/client may import at run time: Web-standard code only, so it still runs wherever fetch does. */
const CLIENT_PACKAGES = new Set(["eventsource-parser/stream"]);

function clientMayImport(file: string, spec: string): boolean {
  if (!spec.startsWith(".")) return CLIENT_PACKAGES.has(spec);
  const target = normalize(join(dirname(file), spec));
  return target.startsWith("src/client/") || layerOf(target).rank === 0;
}

/**
 * Back-imports that exist today, each to be removed (issue "One folder per language…"): the list may
 * only shrink. A new back-import fails the test; so does one listed here that is gone (delete it here).
 */
const KNOWN_BACK_IMPORTS: string[] = [];

describe("layers: http → platform and languages → engine → capabilities → net and limits, adapters at the edge", () => {
  const edges = importEdges();

  it("has imports to check", () => expect(edges.length).toBeGreaterThan(100));

  it("imports no layer above, and no adapter from another, beyond the known list", () => {
    expect(backImports(edges)).toEqual([...KNOWN_BACK_IMPORTS].sort());
  });

  it("catches a planted back-import, and an adapter importing another", () => {
    const planted: [string, string][] = [
      ["src/limits/memory.ts", "src/engine/engine.ts"],
      ["src/engine/component/component-engine.ts", "src/http/on-error.ts"],
      ["src/errors.ts", "src/platform/platform.ts"],
      ["src/adapters/deno/main.ts", "src/adapters/workerd/worker.ts"],
      ["src/http/app-context.ts", "src/limits/memory.ts"],
      ["src/engine/component/component-engine.ts", "languages/lua/driver.ts"],
      ["languages/lua/driver.ts", "languages/ruby/binding.ts"],
      ["languages/lua/driver.ts", "src/platform/platform.ts"],
      ["languages/index.ts", "languages/lua/language.ts"],
      ["src/app.ts", "languages/index.ts"],
    ];
    expect(backImports(planted)).toEqual([
      "languages/lua/driver.ts -> languages/ruby/binding.ts",
      "languages/lua/driver.ts -> src/platform/platform.ts",
      "src/adapters/deno/main.ts -> src/adapters/workerd/worker.ts",
      "src/engine/component/component-engine.ts -> languages/lua/driver.ts",
      "src/engine/component/component-engine.ts -> src/http/on-error.ts",
      "src/errors.ts -> src/platform/platform.ts",
      "src/limits/memory.ts -> src/engine/engine.ts",
    ]);
  });

  it("the client takes only types from the core: its runtime imports stay in src/client/ or base", () => {
    const client = files.filter((f) => f.startsWith("src/client/"));
    expect(client.length).toBeGreaterThan(0);
    const outside = client.flatMap((f) => runtimeImports(code(f)).map((spec) => [f, spec] as const)).filter(([f, spec]) => !clientMayImport(f, spec));
    expect(outside.map(([f, spec]) => `${f} -> ${spec}`)).toEqual([]);
    expect(runtimeImports('import type { A } from "../platform/a.ts";\nimport {\n  b,\n} from "../engine/b.ts";\nexport type * from "./c.ts";\nexport { d } from "./d.ts";')).toEqual(["../engine/b.ts", "./d.ts"]);
    expect(clientMayImport("src/client/x.ts", "../engine/b.ts")).toBe(false);
    expect(clientMayImport("src/client/x.ts", "hono")).toBe(false);
    expect(clientMayImport("src/client/x.ts", "../errors.ts")).toBe(true);
  });

  it("has no import circle (type imports included)", () => {
    expect(circles(edges)).toEqual([]);
    expect(circles([["a.ts", "b.ts"], ["b.ts", "c.ts"], ["c.ts", "a.ts"], ["c.ts", "d.ts"]])).toEqual([["a.ts", "b.ts", "c.ts"]]);
  });
});
