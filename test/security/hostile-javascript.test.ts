/**
 * Hostile JavaScript through the real HTTP app and the Node worker pool.
 * Every hostile case is followed by a benign request on the same server, which must succeed.
 * This folder only grows.
 */
import { describe, expect, it } from "vitest";
import { usePoolApp } from "../helpers/fixtures.ts";

const server = usePoolApp();

const benign = { language: "javascript", code: "export default (i) => i.a + 1", input: { a: 41 } };
async function expectBenignStillWorks() {
  const { status, body } = await server.h.post(benign);
  expect(status).toBe(200);
  expect(body).toMatchObject({ ok: true, result: 42 });
}

const cases: [string, string, Record<string, number> | undefined, string | RegExp][] = [
  ["an endless loop", "while (true) {}", undefined, "fuel_exhausted"],
  ["an endless loop that catches everything", "for (;;) { try { while (true) {} } catch {} }", { fuel: 500 }, "fuel_exhausted"],
  ["catastrophic regex backtracking", "/(a+)+$/.test('a'.repeat(30) + 'b')", { fuel: 2000 }, "fuel_exhausted"],
  ["an endless microtask loop", "const f = () => { Promise.resolve().then(f) }; f()", { fuel: 500 }, "fuel_exhausted"],
  ["a growing promise chain", "const f = () => Promise.resolve().then(f); f()", { memoryMb: 32 }, "memory_exhausted"],
  ["deep recursion", "function f(n) { return f(n + 1) + 1 } f(0)", undefined, "guest_error"],
  ["an array-growth memory bomb", "const a = []; for (;;) a.push([a.length, {}])", { memoryMb: 64 }, "memory_exhausted"],
  ["a doubling string bomb (stops at the engine's string length limit)", "let s = 'x'; for (;;) s = s + s + '!'", { memoryMb: 64 }, "guest_error"],
  ["a doubling flat string bomb", "let s = 'x'; for (;;) s = (s + s).slice(1) + '!'", { memoryMb: 64 }, "memory_exhausted"],
  ["'x'.repeat(1e9)", "'x'.repeat(1e9)", undefined, "memory_exhausted"],
  ["Array(3e7).fill()", "new Array(3e7).fill(0)", { memoryMb: 64 }, "memory_exhausted"],
  ["ArrayBuffer exhaustion", "const k = []; for (;;) k.push(new ArrayBuffer(1 << 20))", { memoryMb: 48 }, "memory_exhausted"],
  ["JSON.parse of a huge string (the watchdog case)", "JSON.parse('[' + '1,'.repeat(2e7) + '1]')", { memoryMb: 256, timeoutMs: 500 }, "timeout"],
  ["a huge join (no interrupt polls)", "new Array(3e6).fill('abcdefgh').join(',').length", { memoryMb: 256, timeoutMs: 100, fuel: 1e6 }, /timeout|ok/],
  ["a never-called callback", "module.exports = function (ctx, cb) {}", undefined, "timeout"],
  ["a promise that never settles", "export default () => new Promise(() => {})", undefined, "timeout"],
  ["output flooding", "for (;;) console.log('x'.repeat(1000))", undefined, "output_limit"],
  ["stderr flooding", "for (;;) console.error('y'.repeat(1000))", undefined, "output_limit"],
  ["an error whose message getter loops", "const e = new Error(); Object.defineProperty(e, 'message', { get() { for (;;) {} } }); throw e", { fuel: 500 }, "fuel_exhausted"],
  ["a result whose toJSON loops", "export default () => ({ toJSON() { for (;;) {} } })", { fuel: 500 }, "fuel_exhausted"],
  ["a forged JSON.stringify", "JSON.stringify = () => 'not json'; export default () => 1", undefined, "ok"],
];

describe("hostile scripts end cleanly and leave the server serving", () => {
  for (const [what, code, limits, expected] of cases) {
    it(what, async () => {
      const { status, body } = await server.h.post({ language: "javascript", code, limits });
      expect(status).toBe(200);
      const got = body.ok ? "ok" : body.error.code;
      if (expected instanceof RegExp) expect(got).toMatch(expected);
      else expect(got).toBe(expected);
      if (expected === "ok") expect(body.result).toBe(1);
      await expectBenignStillWorks();
    });
  }
});

describe("no host capability is reachable", () => {
  const probes: [string, string][] = [
    ["process, require and module loaders", "[typeof process, typeof require, typeof importScripts, typeof __filename]"],
    ["network and timers with real delays", "[typeof fetch, typeof XMLHttpRequest, typeof WebSocket, typeof setImmediate]"],
    ["the host's globalThis through constructors", "[typeof ({}).constructor.constructor('return this')().process]"],
    ["the host through Function and indirect eval", "[Function('return typeof process')(), typeof (0, eval)('globalThis.process')]"],
    ["WebAssembly and engine modules", "[typeof WebAssembly, typeof std, typeof os, typeof Deno, typeof Bun]"],
  ];
  for (const [what, expr] of probes) {
    it(what, async () => {
      const { body } = await server.h.post({ language: "javascript", code: `export default () => ${expr}` });
      expect(body.ok).toBe(true);
      for (const v of body.result) expect(v).toBe("undefined");
      await expectBenignStillWorks();
    });
  }

  it("cannot import host modules", async () => {
    for (const spec of ["node:fs", "fs", "child_process", "/etc/passwd", "https://example.com/x.js"]) {
      const { body } = await server.h.post({ language: "javascript", code: `import x from ${JSON.stringify(spec)}; export default () => x` });
      expect(body).toMatchObject({ ok: false, error: { code: "guest_error" } });
    }
    const dynamic = await server.h.post({ language: "javascript", code: "export default async () => { await import('node:fs'); return 1 }" });
    expect(dynamic.body).toMatchObject({ ok: false, error: { code: "guest_error" } });
    await expectBenignStillWorks();
  });
});

describe("under concurrent load", () => {
  it("serves 200 concurrent requests, some hostile, and every benign one succeeds", async () => {
    const hostile = [
      { language: "javascript", code: "while (true) {}", limits: { fuel: 1000 } },
      { language: "javascript", code: "const a = []; for (;;) a.push({})", limits: { memoryMb: 32 } },
      { language: "javascript", code: "JSON.parse('[' + '1,'.repeat(1e7) + '1]')", limits: { memoryMb: 256, timeoutMs: 300 } },
      { language: "javascript", code: "function f() { f() } f()" },
    ];
    const requests = Array.from({ length: 200 }, (_, i) =>
      i % 10 === 0 ? { hostile: true, body: hostile[(i / 10) % hostile.length]! } : { hostile: false, body: { ...benign, input: { a: i } } },
    );
    const responses = await Promise.all(requests.map((r) => server.h.post(r.body)));
    responses.forEach((res, i) => {
      expect(res.status).toBe(200);
      if (!requests[i]!.hostile) expect(res.body).toMatchObject({ ok: true, result: i + 1 });
      else expect(res.body.ok).toBe(false);
    });
    expect(server.h.errors).toEqual([]);
    expect(server.pool.threads).toBe(2);
  });
});
