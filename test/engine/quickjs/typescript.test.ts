/** TypeScript on the QuickJS engine: the whole language through esbuild, and positions in the TypeScript. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QuickJSEngine } from "../../../src/engine/quickjs/quickjs-engine.ts";
import { createQuickJSEngine } from "../../../src/quickjs-defaults.ts";
import { cachedTranspiler, esbuildTranspiler, type TypeScriptTranspiler } from "../../../src/engine/quickjs/typescript-transpiler.ts";
import { coreEngine, job, quickjsWasm } from "../../helpers/fixtures.ts";

let engine: QuickJSEngine;
beforeAll(async () => {
  engine = await coreEngine();
});
afterAll(() => engine.dispose());

const ts = (code: string, options?: Parameters<typeof job>[2]) => engine.run(job("typescript", code, options));
const js = (code: string, options?: Parameters<typeof job>[2]) => engine.run(job("javascript", code, options));

describe("the whole language", () => {
  it("runs namespaces (the values inside them were stripped before)", async () => {
    expect(await ts("namespace NS { export const x = 1 }\nexport default () => NS.x")).toMatchObject({ ok: true, result: 1 });
    const merged = `namespace Shapes { export const unit = 1 }
namespace Shapes { export namespace Square { export const area = (s: number) => s * s * unit } }
export default (n: number) => Shapes.Square.area(n)`;
    expect(await ts(merged, { input: 3 })).toMatchObject({ ok: true, result: 9 });
  });

  it("runs enums, const enums included", async () => {
    const code = `enum Color { Red, Green = 5, Blue }
enum Mood { Happy = "happy" }
const enum Flag { A = 1, B = A << 2 }
export default () => [Color.Red, Color.Blue, Color[5], Mood.Happy, Flag.B]`;
    expect(await ts(code)).toMatchObject({ ok: true, result: [0, 6, "Green", "happy", 4] });
  });

  it("runs parameter properties and class modifiers", async () => {
    const code = `abstract class Base { abstract kind(): string; declare note: string }
class Point extends Base {
  constructor(public readonly x: number, private y: number = 2, protected z?: number) { super() }
  kind() { return "point" }
  sum(): number { return this.x + this.y }
}
export default () => { const p = new Point(1); return [p.kind(), p.sum(), Object.keys(p)] }`;
    expect(await ts(code)).toMatchObject({ ok: true, result: ["point", 3, ["x", "y", "z"]] });
  });

  it("runs standard decorators (class, method, field, accessor)", async () => {
    const code = `const seen: string[] = [];
function tag(value: any, context: ClassDecoratorContext | ClassMethodDecoratorContext | ClassFieldDecoratorContext | ClassAccessorDecoratorContext) {
  seen.push(context.kind + ":" + String(context.name));
  if (context.kind === "method") return function (this: any, ...args: any[]) { return "decorated " + value.apply(this, args) };
  if (context.kind === "field") return (initial: number) => initial * 10;
}
@tag class Thing {
  @tag count = 4;
  @tag accessor size = 1;
  @tag hello(name: string) { return "hello " + name }
}
export default () => { const t = new Thing(); return [t.hello("you"), t.count, t.size, seen.sort()] }`;
    expect(await ts(code)).toMatchObject({ ok: true, result: ["decorated hello you", 40, 1, ["accessor:size", "class:Thing", "field:count", "method:hello"]] });
  });

  it("runs the rest of the syntax: generics, overloads, satisfies, as const, non-null, using", async () => {
    const code = `function first<T>(xs: T[]): T | undefined { return xs[0] }
function pick(x: string): string;
function pick(x: number): number;
function pick(x: any) { return x }
const config = { mode: "fast" } as const satisfies { mode: string };
let later!: number;
later = 2;
const log: string[] = [];
{ using handle = { [Symbol.dispose ?? Symbol.for("Symbol.dispose")]() { log.push("disposed") } }; log.push("used") }
export default () => [first([7, 8]), pick("p"), config.mode, later!, log, <number>(<unknown>5)]`;
    expect(await ts(code)).toMatchObject({ ok: true, result: [7, "p", "fast", 2, ["used", "disposed"], 5] });
  });

  it("keeps a file whose imports are all types a module, so top-level await works", async () => {
    const code = "import type { Kv } from 'kiln';\nconst v: number = await Promise.resolve(5);\nconsole.log(v)";
    expect(await ts(code)).toMatchObject({ ok: true, result: null, stdout: "5\n" });
  });

  it("runs `export =` as module.exports: a value is the result, a function the entry point", async () => {
    expect(await ts("export = 42")).toMatchObject({ ok: true, result: 42 });
    expect(await ts("export = (input: number) => input * 2", { input: 21 })).toMatchObject({ ok: true, result: 42 });
  });

  it("keeps non-ASCII text as written", async () => {
    expect(await ts("export default (): string => 'ééé 𝒳 ' + 'ü'.length")).toMatchObject({ ok: true, result: "ééé 𝒳 1" });
  });
});

describe("syntax errors", () => {
  it("reports a redeclaration at its column in the TypeScript, not in the stripped code", async () => {
    const out = await ts("const aaaaaa: Record<string, number> = {}; const aaaaaa = 2;");
    expect(out).toMatchObject({ ok: false, error: { code: "syntax_error", line: 1, column: 50 } });
    if (!out.ok) expect(out.error.message).toBe('SyntaxError: The symbol "aaaaaa" has already been declared (line 1, column 50)');
  });

  it("counts columns in characters, as JavaScript's syntax errors do", async () => {
    const code = "'ééé𝒳'; const = 2;";
    const [tsOut, jsOut] = [await ts(code), await js(code)];
    expect(tsOut).toMatchObject({ ok: false, error: { code: "syntax_error", line: 1, column: 15 } });
    expect(jsOut).toMatchObject({ ok: false, error: { code: "syntax_error", line: 1, column: 15 } });
  });

  it("reports TypeScript-only syntax errors on their line", async () => {
    expect(await ts("let a: number = 1;\nfunction f(x: number, y = ) {}")).toMatchObject({ ok: false, error: { code: "syntax_error", line: 2, column: 27 } });
    expect(await ts("enum E { A = 1\nconst x = 2")).toMatchObject({ ok: false, error: { code: "syntax_error", line: 2 } });
  });

  it("reports the same usage as a JavaScript syntax error (a sandbox was opened for both)", async () => {
    const tsOut = await ts("const a: number = 1;\nconst b: number = ;");
    const jsOut = await js("const a = 1;\nconst = 2;");
    expect(tsOut).toMatchObject({ ok: false, error: { code: "syntax_error", line: 2 }, usage: { start: "fresh" } });
    expect(tsOut.usage.fuel).toBe(jsOut.usage.fuel);
    expect(tsOut.usage.memoryBytes).toBe(jsOut.usage.memoryBytes);
    expect(tsOut.usage.fuel).toBeGreaterThan(0);
    expect(tsOut.usage.memoryBytes).toBeGreaterThan(0);
  });

  it("refuses brackets nested deeper than QuickJS could run, before esbuild (outside the sandbox) parses them", async () => {
    // 120,000 levels took esbuild seconds, and 200,000 crashed its process with a gigabyte of stack.
    const started = performance.now();
    const out = await ts("const a: unknown = 1;\nexport default () => " + "[".repeat(120_000) + "]".repeat(120_000));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(out).toMatchObject({ ok: false, error: { code: "syntax_error", message: "SyntaxError: brackets nested more than 1000 deep (line 2, column 1022)", line: 2, column: 1022 } });
    const templates = await ts("export default () => " + "`${".repeat(1001) + "1" + "}`".repeat(1001));
    expect(templates).toMatchObject({ ok: false, error: { code: "syntax_error", line: 1, column: 21 + 3 * 1001 } });
    expect(await ts("export default (): number => 1")).toMatchObject({ ok: true, result: 1 });
  });

  it("counts only the brackets of the code, not those in strings, comments or template text", async () => {
    const noise = "(".repeat(3000);
    const code = `// ${noise}\n/* ${noise} */\nconst s: string = "${noise}" + '${noise}' + \`${noise}\${"x"}${noise}\`;\nexport default () => s.length`;
    expect(await ts(code)).toMatchObject({ ok: true, result: 4 * 3000 + 1 });
    const nested = "export default () => " + "[".repeat(400) + "]".repeat(400) + ".length";
    expect(await ts(nested)).toMatchObject({ ok: true, result: 1 });
  });

  it("gives transpiling the run's deadline, and stops esbuild when it passes it", async () => {
    // 4.5 KB that esbuild takes seconds over (its arrow parsing is cubic in this nesting).
    const slow = "let f = " + "x=>".repeat(1500) + "1";
    const started = performance.now();
    const out = await ts(slow, { limits: { timeoutMs: 300 } });
    expect(out).toMatchObject({ ok: false, error: { code: "timeout", message: "The script ran past its deadline (300 ms) while its TypeScript was transpiled" } });
    expect(out.usage.wallMs).toBeGreaterThanOrEqual(300);
    expect(out.usage.fuel).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(2000);
    // esbuild's service was stopped; the next run starts a new one.
    expect(await ts("export default (): string => 'next'")).toMatchObject({ ok: true, result: "next" });
  });

  it("is a syntax error for a deploy check too", async () => {
    const out = await engine.run({ ...job("typescript", "const x: number = ;"), evaluateOnly: true });
    expect(out).toMatchObject({ ok: false, error: { code: "syntax_error", line: 1, column: 19 } });
  });
});

describe("guest errors point into the TypeScript", () => {
  it("gives the line and column of the innermost frame, and a stack in script.ts", async () => {
    const code = `interface Order { items: { price: number }[] }
function total(order: Order): number {
  return order.items.reduce((sum: number, item) => sum + item.price.toFixed(2).length, 0)
}
export default (order: Order): number => {
  return total(order)
}`;
    const out = await ts(code, { input: { items: [{}] } });
    expect(out).toMatchObject({ ok: false, error: { code: "guest_error", message: "TypeError: cannot read property 'toFixed' of undefined", line: 3, column: 68 } });
    if (!out.ok) {
      const stack = out.error.stack!.split("\n").filter(Boolean).map((l) => l.trim());
      expect(stack).toEqual(["at <anonymous> (script.ts:3:68)", "at reduce (native)", "at total (script.ts:3:3)", "at default (script.ts:6:3)"]);
    }
  });

  it("points where the same JavaScript points, when only types differ", async () => {
    const tsCode = "const o: { x?: { y: number } } = {};\nexport default (): number => {\n  const n: number = 1;\n  return o.x!.y + n\n}";
    const jsCode = "const o = {};\nexport default () => {\n  const n = 1;\n  return o.x.y + n\n}";
    const [tsOut, jsOut] = [await ts(tsCode), await js(jsCode)];
    expect(jsOut).toMatchObject({ ok: false, error: { code: "guest_error", line: 4, column: 13 } });
    // `o.x!.y`: the `!` moves the failing `.y` one column right.
    expect(tsOut).toMatchObject({ ok: false, error: { code: "guest_error", line: 4, column: 14 } });
  });

  it("maps a throw at the top level, in a callback and after an await", async () => {
    expect(await ts("type T = string;\nconst m: T = 'top';\nthrow new Error(m)")).toMatchObject({ error: { code: "guest_error", line: 3, column: 16 } });
    const timer = "const delay: number = 1;\nsetTimeout((): void => {\n  throw new RangeError('late')\n}, delay)";
    const out = await ts(timer);
    expect(out).toMatchObject({ error: { code: "guest_error", message: "RangeError: late", line: 3, column: 23 } });
    if (!out.ok) expect(out.error.stack).not.toContain("kiln");
    const later = "export default async (x: number): Promise<number> => {\n  await null;\n  throw new Error('after ' + x)\n}";
    expect(await ts(later, { input: 1 })).toMatchObject({ error: { code: "guest_error", message: "Error: after 1", line: 3, column: 18 } });
  });

  it("maps frames inside classes whose decorators were lowered, and drops the transpiler's helpers", async () => {
    const code = `function log(value: any, context: ClassMethodDecoratorContext) {
  return function (this: any) { return value.call(this) }
}
class Service {
  @log fail(): never {
    throw new Error('from a decorated method')
  }
}
export default () => new Service().fail()`;
    const out = await ts(code);
    expect(out).toMatchObject({ ok: false, error: { code: "guest_error", line: 6, column: 20 } });
    if (!out.ok) {
      for (const frame of out.error.stack!.trim().split("\n")) expect(frame).toMatch(/\(script\.ts:\d+:\d+\)|\(native\)/);
      expect(out.error.stack).toContain("script.ts:9:");
    }
  });

  it("maps positions on lines with characters outside ASCII", async () => {
    const out = await ts("const s: string = 'ééé𝒳'; const o: any = null;\nexport default () => { return s + o.x }");
    expect(out).toMatchObject({ error: { code: "guest_error", line: 2, column: 36 } });
  });
});

describe("runs from a snapshot", () => {
  it("maps a guest error of a run that started from a snapshot", async () => {
    using own = createQuickJSEngine(await quickjsWasm(), { snapshotMinInitMs: 0 });
    const code = `const table: Map<string, number> = new Map();
for (let i = 0; i < 5000; i++) table.set("k" + i, i);
export default (input: { key: string }): number => {
  return table.get(input.key)!.valueOf()
}`;
    const starts = new Set<string | undefined>();
    for (let i = 0; i < 4; i++) {
      const out = await own.run(job("typescript", code, { input: { key: "missing" } }));
      starts.add(out.usage.start);
      expect(out).toMatchObject({ ok: false, error: { code: "guest_error", line: 4, column: 31, stack: expect.stringContaining("script.ts:4:31") } });
    }
    expect([...starts].some((s) => s !== "fresh")).toBe(true);
  });
});

describe("transpiling once per source", () => {
  /** The real esbuild transpiler, counting the sources it was asked for. */
  function counted(): { transpile: TypeScriptTranspiler; calls: string[] } {
    const calls: string[] = [];
    const esbuild = esbuildTranspiler(() => import("esbuild"));
    return { calls, transpile: (source, options) => (calls.push(source), esbuild(source, options)) };
  }

  it("answers a source it saw recently without transpiling it again, syntax errors included", async () => {
    const { transpile, calls } = counted();
    const cached = cachedTranspiler(transpile, { maxBytes: 1 << 20 });
    const first = await cached("export default (n: number): number => n");
    expect(await cached("export default (n: number): number => n")).toEqual(first);
    expect(await cached("const x: number = ;")).toMatchObject({ syntaxError: { line: 1, column: 19 } });
    expect(await cached("const x: number = ;")).toMatchObject({ syntaxError: { line: 1, column: 19 } });
    expect(calls).toEqual(["export default (n: number): number => n", "const x: number = ;"]);
  });

  it("keeps at most maxBytes, dropping the least recently used", async () => {
    const { transpile, calls } = counted();
    const sources = ["let a: number = 1", "let b: number = 2", "let c: number = 3"];
    const one = await transpile(sources[0]!);
    // Room for two answers of this size, not three.
    const size = "code" in one ? 2 * (sources[0]!.length + one.code.length + one.map.length) : 0;
    calls.length = 0;
    const cached = cachedTranspiler(transpile, { maxBytes: 2 * size + 1 });
    for (const source of [sources[0], sources[1], sources[0], sources[2], sources[0], sources[1]]) await cached(source!);
    // b was the least recently used when c came in: asked for again; a stayed.
    expect(calls).toEqual([sources[0], sources[1], sources[2], sources[1]]);
  });

  it("does not remember a transform stopped at its deadline", async () => {
    const { transpile, calls } = counted();
    const cached = cachedTranspiler(transpile, { maxBytes: 1 << 20 });
    const slowish = "let f = " + "x=>".repeat(300) + "1";
    expect(await cached(slowish, { timeoutMs: 1 })).toEqual({ timedOut: true });
    expect(await cached(slowish)).toMatchObject({ code: expect.stringContaining("(x) => (x2) =>") });
    expect(calls).toEqual([slowish, slowish]);
  });

  it("does not remember a failure of the transpiler itself, and loads esbuild again after one", async () => {
    let attempts = 0;
    // The first load fails for real (no such package), as a missing binary would.
    const transpile = esbuildTranspiler(() => (attempts++ === 0 ? import("kiln-no-such-esbuild" as string) : import("esbuild")));
    const cached = cachedTranspiler(transpile, { maxBytes: 1 << 20 });
    await expect(cached("let a = 1")).rejects.toThrow(/kiln-no-such-esbuild/);
    expect(await cached("let a = 1")).toMatchObject({ code: "let a = 1;\n" });
    expect(attempts).toBe(2);
  });
});
