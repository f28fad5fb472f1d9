/**
 * The guest's Web APIs (src/engine/quickjs/guest-web-apis.ts and guest-url.ts) through `POST /v1/run`:
 * what each answers, compared with Node's own implementation where Node has one, and what hostile code
 * can do with them. One engine and app for the file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QuickJSEngine } from "../../../src/engine/quickjs/quickjs-engine.ts";
import { appWith, coreEngine } from "../../helpers/fixtures.ts";

let engine: QuickJSEngine;
let h: Awaited<ReturnType<typeof appWith>>;
beforeAll(async () => {
  engine = await coreEngine();
  h = await appWith(engine);
});
afterAll(() => engine.dispose());

type Body = { ok: boolean; result?: any; error?: { code: string; message: string }; usage: { start: string; fuel: number } };
const run = async (code: string, input: unknown = null, limits?: Record<string, number>): Promise<Body> => {
  const res = await h.post({ language: "javascript", code, input, ...(limits && { limits }) });
  expect(res.status).toBe(200);
  return res.body as Body;
};
const result = async (code: string, input: unknown = null) => {
  const body = await run(code, input);
  expect(body.error).toBeUndefined();
  return body.result;
};
/** What Node's own implementation answers for `f`, as the guest reports it: a value, or an error's name. */
const node = (f: () => unknown) => {
  try {
    return { ok: f() };
  } catch (e) {
    return { err: (e as Error).name };
  }
};
const GUEST_TRY = `const attempt = (f) => { try { return { ok: f() }; } catch (e) { return { err: e.name }; } };`;

describe("URL and URLSearchParams", () => {
  const URLS: [string, string?][] = [
    ["https://user:pw@EXAMPLE.com:443/a/./b/../c?x=1 2&y=%41#frag"],
    ["../up/one?q", "http://h.test/a/b/c"],
    ["//other.test/p", "https://base.test/"],
    ["http://[::1]:8080/ipv6"],
    ["http://192.168.0.257/"],
    ["http://0x7f.1/hex"],
    ["https://münchen.de/straße"],
    ["file:///etc/passwd"],
    ["mailto:ada@example.com"],
    ["javascript:alert(1)"],
    ["not a url"],
    ["http://exa mple.com/"],
    ["https://a.test:99999/"],
    ["HTTP://A.TEST:80/%7Efoo/ bar"],
  ];
  const parts = (u: URL) => [u.href, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash, u.origin];

  it("parses as Node's URL does (WHATWG), failures included", async () => {
    const expected = URLS.map(([input, base]) => node(() => parts(new URL(input, base))));
    const got = await result(`${GUEST_TRY}
const parts = (u) => [u.href, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash, u.origin];
export default (input) => input.map(([i, b]) => attempt(() => parts(new URL(i, b ?? undefined))));`, URLS.map(([i, b]) => [i, b ?? null]));
    expect(got).toEqual(expected);
  });

  it("sets URL parts and keeps searchParams in step, as Node does", async () => {
    const script = (URL_: typeof URL) => {
      const u = new URL_("https://a.test/p?x=1");
      u.searchParams.append("y", "two words");
      u.pathname = "/new path";
      u.hash = "h";
      u.port = "8443";
      const p = new URLSearchParams("a=1&b=2&a=3");
      p.sort();
      p.delete("b");
      return [u.href, u.search, p.toString(), p.getAll("a"), [...new URLSearchParams({ k: "v&=", e: "" })], URL_.canParse?.("x:") ?? null, JSON.stringify({ u })];
    };
    expect(await result(`export default () => (${script.toString()})(URL);`)).toEqual(script(URL));
  });
});

describe("TextEncoder and TextDecoder", () => {
  const SEQUENCES = [
    [0x68, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9d, 0x84, 0x9e],
    [0xef, 0xbb, 0xbf, 0x41],
    [0xc3],
    [0xc0, 0x80, 0x41],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xe2, 0x82, 0x41, 0xff, 0xfe],
    [0xf0, 0x9f, 0x98],
  ];

  it("decodes as Node's TextDecoder does: replacement, BOM, fatal", async () => {
    const expected = SEQUENCES.map((s) => [
      new TextDecoder().decode(new Uint8Array(s)),
      new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array(s)),
      node(() => new TextDecoder("utf8", { fatal: true }).decode(new Uint8Array(s))),
    ]);
    const got = await result(`${GUEST_TRY}
export default (input) => input.map((s) => [
  new TextDecoder().decode(new Uint8Array(s)),
  new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array(s)),
  attempt(() => new TextDecoder("utf8", { fatal: true }).decode(new Uint8Array(s))),
]);`, SEQUENCES);
    expect(got).toEqual(expected);
  });

  it("encodes, encodes into a buffer, and decodes a stream split inside a character, as Node does", async () => {
    const script = () => {
      const enc = new TextEncoder();
      const bytes = [...enc.encode("h\u00e9\u20ac\ud834\udd1e\ud800x")];
      const dest = new Uint8Array(5);
      const into = enc.encodeInto("a\u20ac\ud834\udd1e", dest);
      const dec = new TextDecoder();
      const streamed = dec.decode(new Uint8Array([0xe2, 0x82]), { stream: true }) + dec.decode(new Uint8Array([0xac, 0x21]));
      return [bytes, into, [...dest], streamed, enc.encoding, dec.encoding, new TextDecoder(" UTF8\n").encoding];
    };
    expect(await result(`export default () => (${script.toString()})();`)).toEqual(script());
  });

  it("knows UTF-8 only: another label is a RangeError (where Node, with ICU, knows latin1)", async () => {
    expect(await result(`${GUEST_TRY}
export default () => ["latin1", "utf-16le", "nope"].map((l) => attempt(() => new TextDecoder(l).encoding));`)).toEqual(Array(3).fill({ err: "RangeError" }));
  });
});

describe("atob and btoa", () => {
  const INPUTS = ["", "f", "fo", "foo", "foob", "hello world", "\u00ff\u00fe\u0000", "\u0100", "Zm9v", "Zm9vYg==", "Zm9vYg", " Zm 9v\nYg= = ", "Zm9vY", "Zm9v!", "=Zm9v", "Zm9vYg==="];
  it("answers as Node's atob and btoa do, errors included", async () => {
    const expected = INPUTS.map((s) => [node(() => btoa(s)), node(() => atob(s))]);
    const got = await result(`${GUEST_TRY}\nexport default (input) => input.map((s) => [attempt(() => btoa(s)), attempt(() => atob(s))]);`, INPUTS);
    // Node names its error InvalidCharacterError too.
    expect(got).toEqual(expected);
  });
});

describe("structuredClone", () => {
  it("clones data deeply, keeping shared and circular references and the kinds of value", async () => {
    const got = await result(`export default () => {
  const shared = { n: 1 };
  const buf = new Uint8Array([1, 2, 3]);
  const v = { a: [shared, shared], d: new Date(86400000), r: /x+/gi, m: new Map([[shared, "s"]]), s: new Set([1, "1"]), buf, view: new Uint8Array(buf.buffer, 1, 2),
    big: 10n ** 20n, e: new RangeError("bad", { cause: 7 }), wrapped: Object(5), sparse: [1, , 3], neg: -0 };
  v.self = v;
  const c = structuredClone(v);
  c.buf[0] = 9;
  return [c !== v, c.self === c, c.a[0] === c.a[1], c.a[0] !== shared, c.d instanceof Date && c.d.getTime(), String(c.r), c.r.lastIndex,
    c.m.get(c.a[0]), [...c.s], buf[0], c.view.buffer === c.buf.buffer, [...c.view], String(c.big), c.e instanceof RangeError, c.e.message, c.e.cause,
    typeof c.wrapped, c.wrapped + 1, 1 in c.sparse, Object.is(c.neg, -0)];
};`);
    expect(got).toEqual([true, true, true, true, 86400000, "/x+/gi", 0, "s", [1, "1"], 1, true, [2, 3], "100000000000000000000", true, "bad", 7, "object", 6, false, true]);
  });

  it("refuses functions, symbols, promises and weak collections with a DataCloneError, as Node does", async () => {
    const values = ["() => 1", "Symbol('s')", "{ f() {} }", "Promise.resolve(1)", "new WeakMap()"];
    const got = await result(`${GUEST_TRY}\nexport default () => [${values.map((v) => `attempt(() => structuredClone(${v}))`).join(", ")}];`);
    expect(got).toEqual(values.map((v) => node(() => structuredClone(new Function(`return ${v}`)()))));
    expect(got).toEqual(values.map(() => ({ err: "DataCloneError" })));
  });

  it("drops a class's prototype and keeps its own fields, as Node does", async () => {
    const script = () => {
      class Point { x = 1; get y() { return 2; } }
      const c = structuredClone(new Point());
      return [c instanceof Point, Object.getPrototypeOf(c) === Object.prototype, c];
    };
    expect(await result(`export default () => (${script.toString()})();`)).toEqual(script());
  });

  it("transfers an ArrayBuffer: the clone has its bytes, the original is detached", async () => {
    expect(await result(`export default () => { const b = new Uint8Array([5, 6]).buffer; const c = structuredClone({ b }, { transfer: [b] }); return [b.byteLength, [...new Uint8Array(c.b)]]; };`)).toEqual([0, [5, 6]]);
  });
});

describe("crypto", () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it("fills integer arrays and makes v4 UUIDs, different in every run", async () => {
    const code = `export default () => [crypto.randomUUID(), Array.from(crypto.getRandomValues(new Uint32Array(4))), crypto.getRandomValues(new BigUint64Array(1))[0] > 0n, crypto instanceof Crypto];`;
    const a = await result(code);
    const b = await result(code);
    expect(a[0]).toMatch(UUID);
    expect(b[0]).toMatch(UUID);
    expect(a[0]).not.toBe(b[0]);
    expect(a[1]).not.toEqual(b[1]);
    expect(a[3]).toBe(true);
  });

  it("refuses float arrays, DataViews and more than 65536 bytes, as Node does", async () => {
    const cases = ["new Float64Array(2)", "new DataView(new ArrayBuffer(4))", "new Uint8Array(65537)", "[1, 2]"];
    const got = await result(`${GUEST_TRY}\nexport default () => [${cases.map((c) => `attempt(() => crypto.getRandomValues(${c}).length)`).join(", ")}];`);
    expect(got).toEqual(cases.map((c) => node(() => (crypto.getRandomValues(new Function(`return ${c}`)()) as { length: number }).length)));
    expect(await result(`export default () => crypto.getRandomValues(new Uint8Array(65536)).length`)).toBe(65536);
  });

  it("cannot be made predictable by replacing Math.random, before or after its first use", async () => {
    const got = await result(`Math.random = () => 0;
export default () => { const a = Array.from(crypto.getRandomValues(new Uint8Array(32))); Math.random = () => 0.5; return [a, Array.from(crypto.getRandomValues(new Uint8Array(32)))]; };`);
    for (const bytes of got as number[][]) expect(new Set(bytes).size).toBeGreaterThan(8);
  });
});

describe("the Web APIs in a hostile run", () => {
  it("are guest code, not host objects: none reaches the host's globals", async () => {
    const got = await result(`export default () => {
  const reach = [];
  for (const f of [URL, URLSearchParams, TextEncoder, TextDecoder, atob, btoa, structuredClone, crypto.getRandomValues, crypto.randomUUID]) {
    try { reach.push(typeof f.constructor("return typeof process + typeof require + typeof Buffer")()); } catch (e) { reach.push(e.name); }
  }
  const getter = Object.getOwnPropertyDescriptor(globalThis, "fetch");
  return [reach, getter === undefined, typeof process, typeof require];
};`);
    expect(got).toEqual([Array(9).fill("string"), true, "undefined", "undefined"]);
    const strings = await result(`export default () => Function("return typeof process + typeof require + typeof Buffer")()`);
    expect(strings).toBe("undefinedundefinedundefined");
  });

  it("keeps nothing of a run that patched them for the next run", async () => {
    const code = `export default (patch) => {
  const seen = [new URL("https://a.test/p?q=1").searchParams.get("q"), new TextEncoder().encode("ab").length, btoa("hi"), typeof structuredClone, crypto.randomUUID().length];
  if (patch) {
    URL.prototype.toString = () => "forged"; URLSearchParams.prototype.get = () => "forged"; globalThis.URL = function () { return {}; };
    TextEncoder.prototype.encode = () => []; globalThis.btoa = () => "forged"; structuredClone = 1; crypto.randomUUID = () => "x";
  }
  return seen;
};`;
    const clean = ["1", 2, "aGk=", "function", 36];
    for (const patch of [true, false, true, false]) expect(await result(code, patch)).toEqual(clean);
  });

  it("are compiled at most once a run: one that a script broke stays undefined instead of compiling again", async () => {
    const got = await result(`export default () => {
  const real = Object.defineProperty;
  Object.defineProperty = () => { throw new Error("broken"); };
  let threw = 0;
  for (let i = 0; i < 1000; i++) { try { URLSearchParams; } catch (e) { threw++; } }
  Object.defineProperty = real;
  return [threw, typeof URL, typeof URLSearchParams];
};`);
    expect(got).toEqual([1, "undefined", "undefined"]);
    expect(await result(`export default () => new URL("https://a.test/").host`)).toBe("a.test");
  });

  it("burn the same fuel for the same code and input, every run", async () => {
    const code = `export default (input) => [new URL(input).host, btoa(new TextDecoder().decode(new TextEncoder().encode(input))).length, structuredClone({ a: [input] }).a[0], crypto.randomUUID().length];`;
    const fuels = [];
    for (let i = 0; i < 3; i++) {
      const body = await run(code, "https://kiln.test/x");
      expect(body.result).toEqual(["kiln.test", 28, "https://kiln.test/x", 36]);
      fuels.push(body.usage.fuel);
    }
    expect(new Set(fuels).size).toBe(1);
  });

  it("bound a clone of a deeply nested value and a huge decode by the run's limits, as guest errors", async () => {
    const deep = await run(`export default () => { let v = {}; for (let i = 0; i < 200000; i++) v = { v }; return typeof structuredClone(v); };`);
    expect(deep.ok).toBe(false);
    expect(["guest_error", "memory_exhausted"]).toContain(deep.error!.code);
    const huge = await run(`export default () => { const b = new Uint8Array(48 * 1024 * 1024).fill(0xe2); return new TextDecoder().decode(b).length; };`, null, { memoryMb: 64 });
    expect(huge.ok).toBe(false);
    expect(["memory_exhausted", "fuel_exhausted", "timeout", "guest_error"]).toContain(huge.error!.code);
  });
});
