import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QuickJSEngine } from "../../../src/engine/quickjs/quickjs-engine.ts";
import { createQuickJSEngine } from "../../../src/quickjs-defaults.ts";
import { MemoryKvStore } from "../../../src/capabilities/kv-store.ts";
import { coreEngine, job, quickjsSnapshotModule, quickjsWasm } from "../../helpers/fixtures.ts";

let engine: QuickJSEngine;
beforeAll(async () => {
  engine = await coreEngine();
});
afterAll(() => engine.dispose());

const js = (code: string, options?: Parameters<typeof job>[2]) => engine.run(job("javascript", code, options));

describe("entry points", () => {
  it("calls an ES module default export with (input, ctx)", async () => {
    const out = await js("export default (input, ctx) => ({ sum: input.a + 1, limits: ctx.limits })", {
      input: { a: 41 },
      limits: { fuel: 1234 },
    });
    expect(out).toMatchObject({ ok: true, result: { sum: 42, limits: { fuel: 1234 } } });
  });

  it("awaits an async default export", async () => {
    const out = await js("export default async (x) => { await null; return x * 3 }", { input: 5 });
    expect(out).toMatchObject({ ok: true, result: 15 });
  });

  it("returns a non-function default export as the result", async () => {
    expect(await js("export default { a: [1, 'two'] }")).toMatchObject({ ok: true, result: { a: [1, "two"] } });
  });

  it("supports top-level await in modules", async () => {
    const out = await js("const v = await Promise.resolve(7);\nexport default () => v");
    expect(out).toMatchObject({ ok: true, result: 7 });
  });

  it("calls a webtask-style module.exports = function (ctx, cb)", async () => {
    const out = await js("module.exports = function (ctx, cb) { cb(null, { got: ctx.data.q }) }", { input: { q: "x" } });
    expect(out).toMatchObject({ ok: true, result: { got: "x" } });
  });

  it("treats cb(err) as a guest error", async () => {
    const out = await js("module.exports = function (ctx, cb) { cb(new Error('denied')) }");
    expect(out).toMatchObject({ ok: false, error: { code: "guest_error", message: "Error: denied" } });
  });

  it("ends a never-called callback as a timeout, without waiting for the deadline", async () => {
    const out = await js("module.exports = function (ctx, cb) { /* forgot cb */ }", { limits: { timeoutMs: 30_000 } });
    // Not the deadline's timeout: the engine saw that nothing was left to run.
    expect(out).toMatchObject({ ok: false, error: { code: "timeout", message: expect.stringContaining("was the callback called?") } });
  });

  it("calls a one-argument module.exports function with the input", async () => {
    expect(await js("module.exports = (input) => input + 1", { input: 1 })).toMatchObject({ ok: true, result: 2 });
  });

  it("returns a module.exports that is not a function as the result, like a default export", async () => {
    expect(await js("module.exports = 42")).toMatchObject({ ok: true, result: 42 });
    expect(await js("module.exports = { a: [1, 'two'] }")).toMatchObject({ ok: true, result: { a: [1, "two"] } });
    expect(await js("module.exports = Promise.resolve('later')")).toMatchObject({ ok: true, result: "later" });
    expect(await js("module.exports = null")).toMatchObject({ ok: true, result: null });
    expect(await engine.run(job("typescript", "const answer: number = 42;\nmodule.exports = answer"))).toMatchObject({ ok: true, result: 42 });
  });

  it("runs a plain script to completion, timers included, with result null", async () => {
    const out = await js("setTimeout(() => console.log('later'), 1000); console.log('now')");
    expect(out).toMatchObject({ ok: true, result: null, stdout: "now\nlater\n" });
  });

  it("runs timers on a virtual clock, in order", async () => {
    const out = await js(`export default async () => {
      const seen = [];
      await new Promise((r) => { setTimeout(() => seen.push('b'), 20); setTimeout(() => { seen.push('c'); r() }, 30); setTimeout(() => seen.push('a'), 10) });
      return seen.join('') }`);
    expect(out).toMatchObject({ ok: true, result: "abc" });
  });

  it("stops an endless setInterval with fuel", async () => {
    const out = await js("setInterval(() => {}, 1)", { limits: { fuel: 100 } });
    expect(out).toMatchObject({ ok: false, error: { code: "fuel_exhausted" } });
  });
});

describe("results and errors", () => {
  it("rejects a result that is not JSON-serialisable", async () => {
    const out = await js("export default () => 10n");
    expect(out).toMatchObject({ ok: false, error: { code: "guest_error" } });
    if (!out.ok) expect(out.error.message).toContain("JSON-serialisable");
  });

  it("maps undefined to null", async () => {
    expect(await js("export default () => undefined")).toMatchObject({ ok: true, result: null });
  });

  it("includes a stack without Kiln's own frames", async () => {
    const out = await js("function inner() { throw new RangeError('deep') }\nexport default () => inner()");
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error.message).toBe("RangeError: deep");
      expect(out.error.stack).toContain("script.js:1");
      expect(out.error.stack).not.toContain("kiln:");
    }
  });

  it("gives a guest error the line and column of the script's innermost frame", async () => {
    const out = await js("export default () => {\n  null.x\n}");
    expect(out).toMatchObject({ ok: false, error: { code: "guest_error", message: "TypeError: cannot read property 'x' of null", line: 2, column: 7, stack: "    at default (script.js:2:7)\n" } });
    const nested = await js("function inner() { throw new RangeError('deep') }\nexport default () => inner()");
    expect(nested).toMatchObject({ error: { line: 1, column: 40, stack: "    at inner (script.js:1:40)\n    at default (script.js:2:27)\n" } });
    expect(await js("const a = 1;\nthrow new Error('top')")).toMatchObject({ error: { code: "guest_error", line: 2, column: 16 } });
    expect(await js("export default async () => {\n  await null;\n  throw new TypeError('late')\n}")).toMatchObject({ error: { line: 3, column: 22 } });
  });

  it("skips frames outside the script to find its line: built-ins it called, Kiln's timers", async () => {
    const parsed = await js("export default () =>\n  JSON.parse('{')");
    // QuickJS puts the place in the JSON text first; the script's frame is the one that called JSON.parse.
    expect(parsed).toMatchObject({ error: { code: "guest_error", message: "SyntaxError: expecting property name", line: 2, column: 13 } });
    if (!parsed.ok) expect(parsed.error.stack).toContain("at parse (native)");
    const mapped = await js("export default () => [1].map((n) => {\n  throw new RangeError('in map ' + n)\n})");
    expect(mapped).toMatchObject({ error: { line: 2, column: 23 } });
    const timer = await js("setTimeout(() => {\n  null.y\n}, 5)");
    expect(timer).toMatchObject({ error: { code: "guest_error", line: 2, column: 7 } });
    if (!timer.ok) expect(timer.error.stack).toBe("    at <anonymous> (script.js:2:7)\n");
  });

  it("gives no line to an error that has no frame in the script", async () => {
    const out = await js("export default () => 10n");
    expect(out).toMatchObject({ ok: false, error: { code: "guest_error" } });
    if (!out.ok) {
      expect(out.error).not.toHaveProperty("line");
      expect(out.error).not.toHaveProperty("stack");
    }
    const plain = await js("throw 'plain'");
    if (!plain.ok) expect(plain.error).not.toHaveProperty("line");
  });

  it("describes a thrown non-Error value", async () => {
    expect(await js("throw 'plain'")).toMatchObject({ ok: false, error: { code: "guest_error", message: "Uncaught 'plain'" } });
  });

  it("keeps runtime SyntaxErrors (JSON.parse) as guest errors", async () => {
    expect(await js("JSON.parse('{')")).toMatchObject({ ok: false, error: { code: "guest_error" } });
  });

  it("treats an export clause naming no binding as the early error it is: a syntax_error at its line", async () => {
    expect(await js("const b = 1;\nexport { a };")).toMatchObject({
      ok: false,
      error: { code: "syntax_error", message: "SyntaxError: exported variable 'a' does not exist (line 2, column 1)", line: 2, column: 1 },
    });
    expect(await js("export default () => 1;\n  export { x as y, $z };")).toMatchObject({ ok: false, error: { code: "syntax_error", line: 2, column: 3 } });
    // A binding that exists is exported; a SyntaxError the script throws itself at run time stays its own.
    expect(await js("let x = 1;\nexport { x as default }")).toMatchObject({ ok: true, result: 1 });
    expect(await js("export default () => { throw new SyntaxError(\"exported variable 'a' does not exist\") }")).toMatchObject({ ok: false, error: { code: "guest_error" } });
  });

  it("gives a TypeScript syntax error its line and treats type errors as fine", async () => {
    const bad = await engine.run(job("typescript", "let a: number = 1\nlet b: = 2"));
    expect(bad).toMatchObject({ ok: false, error: { code: "syntax_error", line: 2 } });
    const mistyped = await engine.run(job("typescript", "const n: string = 5 as any as number; export default () => n"));
    expect(mistyped).toMatchObject({ ok: true, result: 5 });
  });

  it("caps the result size", async () => {
    const out = await js("export default () => 'x'.repeat(2 * 1024 * 1024)");
    expect(out).toMatchObject({ ok: false, error: { code: "output_limit" } });
  });

  it("formats console arguments", async () => {
    const out = await js("console.log('a', 1, { b: [1, { c: null }] }, [undefined], new Map([[1, 2]]))");
    expect(out.stdout).toBe("a 1 { b: [ 1, { c: null } ] } [ undefined ] Map(1) { 1 => 2 }\n");
  });
});

describe("limits", () => {
  it("reports the same fuel for the same code and input over 20 runs", async () => {
    const code = "export default (n) => { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s }";
    const fuel = new Set<number | null>();
    for (let i = 0; i < 20; i++) fuel.add((await js(code, { input: 200_000 })).usage.fuel);
    expect(fuel.size).toBe(1);
    expect([...fuel][0]).toBeGreaterThan(10);
  });

  it("turns deep recursion into a catchable guest error", async () => {
    const out = await js("function f(n) { return f(n + 1) + 1 }\nexport default () => { try { f(0) } catch (e) { return String(e) } }");
    expect(out).toMatchObject({ ok: true, result: "InternalError: stack overflow" });
    expect(await js("function f(n) { return f(n + 1) + 1 } f(0)")).toMatchObject({ ok: false, error: { code: "guest_error" } });
  });

  it("lets a guest catch one oversized allocation and carry on", async () => {
    const out = await js("export default () => { try { 'x'.repeat(1e9) } catch (e) { return String(e) } }");
    expect(out).toMatchObject({ ok: true, result: "InternalError: out of memory" });
  });

  it("ends an uncaught allocation failure as memory_exhausted", async () => {
    expect(await js("'x'.repeat(1e9)")).toMatchObject({ ok: false, error: { code: "memory_exhausted" } });
    expect(await js("new Array(3e7).fill(0)", { limits: { memoryMb: 64 } })).toMatchObject({ ok: false, error: { code: "memory_exhausted" } });
  });

  it("stops at the deadline when fuel is plentiful", async () => {
    const out = await js("while (true) {}", { limits: { fuel: 10_000_000, timeoutMs: 200 } });
    expect(out).toMatchObject({ ok: false, error: { code: "timeout" } });
  });
});

describe("idle instances", () => {
  it("keeps idle instances within one byte budget across memory caps, however many caps runs ask for", async () => {
    using sweep = createQuickJSEngine(await quickjsWasm());
    const code = "export default (i) => { const a = new Uint8Array(8_000_000); a.fill(i & 255); return a.length + a[7] }";
    for (let memoryMb = 32; memoryMb < 32 + 30 * 4; memoryMb += 4) {
      expect(await sweep.run(job("javascript", code, { input: memoryMb, limits: { memoryMb } }))).toMatchObject({ ok: true, result: 8_000_000 + (memoryMb & 255) });
    }
    // Each idle instance holds at least the 16 MiB QuickJS starts with: the default 64 MiB budget keeps four of the 30 caps', not 30.
    expect(sweep.liveInstances).toBeLessThanOrEqual(4);
  });
});

describe("isolation", () => {
  it("starts every run clean: globals, prototypes and module state do not carry over", async () => {
    await js(`globalThis.leak = 1; Object.prototype.polluted = true; Array.prototype.push = () => 0; console.log = null;
      URL = function () { return { href: "forged" }; }; URLSearchParams.prototype.get = () => "forged"; TextEncoder.prototype.encode = () => 0;
      crypto.getRandomValues = (a) => a; structuredClone = null; atob = () => "forged"`);
    const out = await js(`export default () => [typeof leak, ({}).polluted, [].push(1), typeof console.log, new URL("https://a.test/x?q=1").href,
      new URLSearchParams("q=1").get("q"), new TextEncoder().encode("é").length, crypto.getRandomValues(new Uint8Array(64)).some((b) => b !== 0),
      typeof structuredClone, atob("aGk=")]`);
    expect(out).toMatchObject({ ok: true, result: ["undefined", null, 1, "function", "https://a.test/x?q=1", "1", 2, true, "function", "hi"] });
  });

  it("exposes no host objects", async () => {
    const out = await js(`export default () => [typeof process, typeof require, typeof fetch, typeof XMLHttpRequest,
      typeof WebAssembly, typeof std, typeof os, typeof Deno, typeof Bun, typeof __kiln, typeof write]`);
    expect(out).toMatchObject({ ok: true, result: Array(11).fill("undefined") });
  });

  it("refuses module imports", async () => {
    const out = await js("import fs from 'node:fs'; export default () => typeof fs");
    expect(out).toMatchObject({ ok: false, error: { code: "guest_error" } });
  });

  it("drops instances that grew, so wasm memory does not pile up", async () => {
    // Snapshots off: an instance kept for one would count here.
    using own = createQuickJSEngine(await quickjsWasm(), { snapshotMinInitMs: Infinity });
    for (let i = 0; i < 3; i++) {
      await own.run(job("javascript", "const a = []; for (;;) a.push({ i: a.length })", { limits: { memoryMb: 48 } }));
      expect((await own.run(job("javascript", "export default () => 1", { limits: { memoryMb: 48 } }))).ok).toBe(true);
    }
    expect(own.liveInstances).toBeLessThanOrEqual(3);
  });

  it("gives every fresh context its own Math.random seed (QuickJS seeds from a millisecond clock)", async () => {
    using own = createQuickJSEngine(await quickjsWasm(), { snapshotMinInitMs: Infinity });
    const draws = new Set<unknown>();
    for (let i = 0; i < 20; i++) {
      const out = await own.run(job("javascript", "export default () => Math.random()"));
      if (out.ok) draws.add(out.result);
    }
    expect(draws.size).toBe(20);
  });

  it("frees every instance on dispose", async () => {
    const own = await coreEngine();
    await own.run(job("javascript", "export default () => 1"));
    expect(own.liveInstances).toBe(1);
    own.dispose();
    expect(own.liveInstances).toBe(0);
    await expect(own.run(job("javascript", "1"))).rejects.toThrow(/disposed/);
  });
});

describe("a deadline of 1 ms", () => {
  it("never interrupts Kiln's own prelude into a host error: every run is a result or a timeout", async () => {
    const codes = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const out = await engine.run(job(i % 2 ? "javascript" : "typescript", `export default () => ${i}`, { limits: { timeoutMs: 1 } }));
      codes.add(out.ok ? "ok" : out.error.code);
    }
    expect([...codes].every((c) => c === "ok" || c === "timeout"), [...codes].join()).toBe(true);
  });
});

describe("code nested deeper than the host's stack", () => {
  it("is the script's guest_error (not a host error), and the next run is clean", async () => {
    for (const code of [`export default () => ${"[".repeat(5000)}${"]".repeat(5000)}`, `function f() { return ${"(".repeat(5000)}1${")".repeat(5000)} }`, `${"()=>".repeat(20_000)}1`]) {
      const out = await engine.run(job("javascript", code));
      expect(out.ok ? out : out.error, code.slice(0, 20)).toMatchObject({ code: "guest_error", message: expect.stringContaining("stack overflow") });
      expect((await engine.run(job("javascript", "export default () => 42"))).ok).toBe(true);
    }
  });
});

describe("pristine sessions (fresh runs on the instrumented build)", () => {
  const scripts = [
    "export default (i) => i.a + 1",
    "export default () => { let s = 0; for (let i = 0; i < 300_000; i++) s += i; return s }",
    'console.log("hi", { a: [1] }); setTimeout(() => console.log("later"), 5); export default async () => { await null; return new URL("https://a.test/p?q=1").searchParams.get("q") }',
    'export default () => [btoa("hi"), new TextEncoder().encode("é").length, structuredClone({ a: new Map([[1, 2]]) }).a.get(1)]',
    "export default () => { throw new RangeError('no') }",
    "const x = ; export default 1",
    'import { kv } from "kiln"; export default async () => { await kv.set("k", "v"); return kv.get("k") }',
    "let n = 0; setInterval(() => n++, 1); export default () => n",
    "module.exports = (i, ctx) => [i, ctx.language]",
    "export default () => { const a = []; for (;;) a.push(a.length) }",
  ];
  const grants = { kv: { namespace: "t" }, secrets: {} };
  /** Two engines with the instrumented build: fresh runs in pristine sessions, or each in its own runtime and context (the plain build). */
  const engines = async () => {
    const [wasm, snapshotModule] = [await quickjsWasm(), await quickjsSnapshotModule()];
    const make = (pristineSessions: boolean) => createQuickJSEngine(wasm, { snapshotModule, verifyRestores: true, pristineSessions, services: { kv: new MemoryKvStore() } });
    return { pristine: make(true), own: make(false) };
  };

  it("uses the fuel, and gives the results and output, of a run that builds its own runtime, context and prelude", async () => {
    const { pristine, own } = await engines();
    using _p = pristine;
    using _o = own;
    for (const [i, code] of scripts.entries()) {
      const limits = { fuel: 50_000, memoryMb: 32 };
      // Unique code each time (never a snapshot), twice on each: fuel is the same on both and from one run to the next.
      const outs = [];
      for (const e of [pristine, own, pristine, own]) outs.push(await e.run(job("javascript", `${code}\n// ${i} ${outs.length}`, { input: { a: i }, limits, grants })));
      const seen = outs.map((o) => ({ ok: o.ok, result: o.ok ? o.result : o.error.code, stdout: o.stdout, stderr: o.stderr, fuel: o.usage.fuel, start: o.usage.start }));
      for (const o of seen.slice(1)) expect(o, code).toEqual(seen[0]);
      expect(seen[0]!.start).toBe("fresh");
    }
    // Every run but the first at the cap reset a pristine session (verified byte for byte: verifyRestores).
    expect(pristine.pristineStats).toMatchObject({ misses: expect.any(Number), fullRestores: 0 });
    expect(pristine.pristineStats.hits).toBeGreaterThan(2 * scripts.length - 4);
    expect(own.pristineStats).toMatchObject({ hits: 0, misses: 0, instances: 0 });
  });

  it("starts every run clean, with its own Math.random seed, and survives hostile runs", async () => {
    const { pristine, own } = await engines();
    own.dispose();
    using e = pristine;
    const run = (code: string, limits = {}) => e.run(job("javascript", code, { limits }));
    await run(`globalThis.leak = 1; Object.prototype.polluted = true; Array.prototype.push = () => 0; console.log = null; URL = null;
      crypto.getRandomValues = (a) => a; Math.random = () => 4; JSON.parse = () => 0`);
    const out = await run(`export default () => [typeof leak, ({}).polluted, [].push(1), typeof console.log, typeof URL, crypto.getRandomValues(new Uint8Array(64)).some((b) => b !== 0), Math.random() < 1]`);
    expect(out).toMatchObject({ ok: true, result: ["undefined", null, 1, "function", "function", true, true] });
    const draws = new Set<unknown>();
    for (let i = 0; i < 20; i++) {
      const drew = await run(`export default () => Math.random() // ${i}`);
      if (drew.ok) draws.add(drew.result);
    }
    expect(draws.size).toBe(20);
    // Out of memory, out of fuel, a host-stack overflow: each followed by a benign run on the same engine.
    for (const [code, limits, error] of [
      ["const a = []; for (;;) a.push({ i: a.length })", { memoryMb: 32 }, "memory_exhausted"],
      ["for (;;) {}", { fuel: 1000 }, "fuel_exhausted"],
      [`export default () => ${"[".repeat(5000)}${"]".repeat(5000)}`, {}, "guest_error"],
    ] as const) {
      expect(await run(code, limits)).toMatchObject({ ok: false, error: { code: error } });
      expect(await run("export default () => 42", limits)).toMatchObject({ ok: true, result: 42, usage: { start: "fresh" } });
    }
    expect(e.pristineStats.fullRestores).toBe(0);
    expect(e.liveInstances).toBeLessThanOrEqual(3);
  });
});
