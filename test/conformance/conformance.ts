/**
 * The shared conformance suite: the same behaviours, checked for every language on every engine.
 * A language plugs in by giving its snippet for each case; later engines (components) add theirs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/engine.ts";
import { readFileSync } from "node:fs";
import { componentId } from "../../src/engine/component/component-id.ts";
import { job } from "../helpers/fixtures.ts";

export interface LanguageSnippets {
  /** Doubles `input.n`. */
  handler: string;
  /** Prints "hello" to stdout and "oops" to stderr, no entry point. */
  print: string;
  /** Throws an error whose message contains "boom". */
  throws: string;
  /** Fails to parse on line 2 (languages with source code only). */
  syntax?: string;
  /** Loops forever. */
  spin: string;
  /** Allocates without bound. */
  hog: string;
  /** Prints without bound. */
  chatter: string;
  /** Tries to reach the host's environment, files and process; returns a list of what it got (must be empty). */
  reach: string;
  /** Stores "hi" under kv key "greeting" and returns it read back; a refused host call returns "error:<code>". */
  kv?: string;
  /** Returns random draws: the language's generator and, where it has one, its secure source. */
  random?: string;
}

export const SNIPPETS: Record<string, LanguageSnippets> = {
  javascript: {
    handler: "export default (input) => input.n * 2",
    print: "console.log('hello'); console.error('oops')",
    throws: "export default () => { throw new Error('boom') }",
    syntax: "const a = 1;\nconst = 2;",
    spin: "while (true) {}",
    hog: "const a = []; for (;;) a.push({ i: a.length, s: 'x' + a.length })",
    chatter: "for (;;) console.log('la la la la la la la la')",
    reach: "export default () => ['process', 'require', 'std', 'os', 'Deno', 'Bun', 'fetch', 'XMLHttpRequest'].filter((name) => name in globalThis)",
    kv: "import { kv } from 'kiln';\nexport default async () => { try { await kv.set('greeting', 'hi', null); return await kv.get('greeting') } catch (e) { return 'error:' + e.code } }",
    random: "export default () => [Math.random(), Math.random()]",
  },
  typescript: {
    handler: "export default (input: { n: number }): number => input.n * 2",
    print: "const greeting: string = 'hello'; console.log(greeting); console.error('oops')",
    throws: "export default (): never => { throw new Error('boom') }",
    syntax: "const a: number = 1;\nconst b: number = ;",
    spin: "let i: number = 0; while (true) { i++ }",
    hog: "const a: object[] = []; for (;;) a.push({ i: a.length, s: 'x' + a.length })",
    chatter: "for (;;) console.log('la la la la la la la la' as string)",
    reach: "export default (): string[] => ['process', 'require', 'std', 'os', 'Deno', 'Bun', 'fetch'].filter((name: string) => name in globalThis)",
    kv: "import { kv } from 'kiln';\nexport default async (): Promise<string | null> => { try { await kv.set('greeting', 'hi', null); return await kv.get('greeting') } catch (e: any) { return 'error:' + e.code } }",
  },
  lua: {
    handler: "function main(input) return input.n * 2 end",
    print: "print('hello') io.stderr:write('oops\\n')",
    throws: "function main() error('boom') end",
    syntax: "local a = 1\nlocal = 2",
    spin: "while true do end",
    hog: "local t = {} for i = 1, 1e12 do t[i] = ('x'):rep(1000) .. i end",
    chatter: "while true do print('la la la la la la la la') end",
    // require, package and io.read/io.lines/io.input reach only the run's own files and stdin (none here).
    reach:
      "function main() local got = {} for _, name in ipairs({'dofile', 'loadfile', 'debug'}) do if _G[name] then got[#got + 1] = name end end if os.getenv then got[#got + 1] = os.getenv('HOME') or 'getenv' end if os.execute or os.remove then got[#got + 1] = 'os' end if io.open or io.popen then got[#got + 1] = 'io' end for _, name in ipairs({'loadlib', 'cpath', 'searchpath', 'searchers'}) do if package[name] ~= nil then got[#got + 1] = 'package.' .. name end end if require('os') ~= os or require('io') ~= io then got[#got + 1] = 'require os/io' end for _, name in ipairs({'/etc/passwd', '..', '../x', '/proc/self/environ'}) do local ok, e = pcall(require, name) if ok or not tostring(e):find('not found', 1, true) then got[#got + 1] = 'require ' .. name end end for _, f in ipairs({io.lines, io.input}) do if pcall(f, '/etc/passwd') then got[#got + 1] = 'io /etc/passwd' end end if io.read('a') ~= '' then got[#got + 1] = 'stdin' end return got end",
    kv: "function main() local ok, v = pcall(function() kiln.kv.set('greeting', 'hi') return kiln.kv.get('greeting') end) if ok then return v end return 'error:' .. tostring(v):match('^[%w_]+') end",
    random: "function main() return { math.random(), math.random(1, 1000000) } end",
  },
  ruby: {
    handler: "def main(input) = input['n'] * 2",
    print: "puts 'hello'\n$stderr.puts 'oops'",
    throws: "def main = raise('boom')",
    syntax: "a = 1\nb = = 2",
    spin: "loop {}",
    hog: "s = 'x'\nloop { s = s * 2 }",
    chatter: "loop { puts 'la la la la la la la la' }",
    reach: "def main(_)\n  [ENV.to_h.empty? ? nil : ENV.to_h, (File.read('/etc/passwd') rescue nil), (File.read('/proc/self/environ') rescue nil), (File.write('/tmp/kiln', 'x') rescue nil), (Dir.children('/home') rescue nil), (begin; `id`; rescue NotImplementedError; nil; end), (begin; require('socket'); rescue LoadError; nil; end)].compact\nend",
    kv: "def main\n  Kiln::KV.set('greeting', 'hi')\n  Kiln::KV.get('greeting')\nrescue Kiln::HostError => e\n  \"error:#{e.code}\"\nend",
    random: "def main = [rand, Random.urandom(8).unpack1('H*')]",
  },
  python: {
    handler: "def main(input):\n    return input['n'] * 2",
    print: "import sys\nprint('hello')\nprint('oops', file=sys.stderr)",
    throws: "def main():\n    raise ValueError('boom')",
    syntax: "a = 1\nb = = 2",
    spin: "while True:\n    pass",
    hog: "a = []\nwhile True:\n    a.append('x' * 100000)",
    chatter: "while True:\n    print('la la la la la la la la')",
    reach: "import os\ndef main():\n    got = []\n    if os.environ: got.append(dict(os.environ))\n    for path in ['/etc/passwd', '/proc/self/environ', '/kiln/../etc/passwd']:\n        try:\n            open(path).read(); got.append(path)\n        except OSError:\n            pass\n    try:\n        got.append(os.listdir('/'))\n    except OSError:\n        pass\n    try:\n        open('/kiln/new.txt', 'w'); got.append('write')\n    except OSError:\n        pass\n    try:\n        import socket; socket.socket().connect(('127.0.0.1', 80)); got.append('socket')\n    except (ImportError, OSError, AttributeError):\n        pass\n    return got",
    kv: "import kiln\ndef main():\n    try:\n        kiln.kv.set('greeting', 'hi')\n        return kiln.kv.get('greeting')\n    except kiln.HostError as e:\n        return 'error:' + e.code",
    random: "import random, os, secrets\ndef main():\n    return [random.random(), os.urandom(8).hex(), secrets.token_hex(8)]",
  },
  /**
   * A caller's own component: test/fixtures/components/conformance.c (built by clang and jco) does each
   * case when its input names it; `handler` runs with the test's input. A component has no source to
   * parse: an invalid upload is refused instead (test/http/component-routes.test.ts).
   */
  component: { handler: "handler", print: "print", throws: "throws", spin: "spin", hog: "hog", chatter: "chatter", reach: "reach", kv: "kv" },
};

let conformanceComponent: { id: string; bytes: Uint8Array } | undefined;
/** The conformance component's bytes and id. */
async function fixtureComponent() {
  if (!conformanceComponent) {
    const bytes = new Uint8Array(readFileSync(new URL("../fixtures/components/conformance.component.wasm", import.meta.url)));
    conformanceComponent = { id: await componentId(bytes), bytes };
  }
  return conformanceComponent;
}

/** The job for a case: source code for a language, or the fixture component with the case as its input. */
async function caseJob(language: string, code: string, options: Parameters<typeof job>[2] = {}) {
  if (language !== "component") return job(language, code, options);
  return { ...job(language, "", { ...options, input: code === "handler" ? options.input : code }), component: await fixtureComponent() };
}

/**
 * Registers the conformance suite for `languages` against the engine `make` returns. `kvFails` names
 * languages whose host calls this deployment cannot serve (components without a blocking host):
 * their granted kv call must fail with `failed`, not pretend to work.
 */
export function conformance(name: string, make: () => Promise<Engine>, languages: string[] = Object.keys(SNIPPETS), options: { kvFails?: string[] } = {}) {
  describe(`conformance: ${name}`, () => {
    let engine: Engine;
    beforeAll(async () => {
      engine = await make();
    });
    afterAll(() => engine.dispose());
    const run = async (language: string, code: string, options?: Parameters<typeof job>[2]) => engine.run(await caseJob(language, code, options));

    for (const language of languages) {
      const s = SNIPPETS[language]!;
      describe(language, () => {
        it("returns the entry point's result", async () => {
          const before = Date.now();
          const out = await run(language, s.handler, { input: { n: 21 } });
          const elapsed = Date.now() - before;
          expect(out).toMatchObject({ ok: true, result: 42, stdout: "", stderr: "" });
          expect(out.usage.fuel).toBeGreaterThan(0);
          expect(out.usage.memoryBytes).toBeGreaterThan(0);
          // The run's own wall time is part of what the caller waited.
          expect(out.usage.wallMs).toBeLessThanOrEqual(elapsed);
        });

        it("captures stdout and stderr of a plain script", async () => {
          const out = await run(language, s.print);
          expect(out).toMatchObject({ ok: true, result: null, stdout: "hello\n", stderr: "oops\n" });
        });

        it("returns a thrown error as data", async () => {
          const out = await run(language, s.throws);
          expect(out.ok).toBe(false);
          if (!out.ok) {
            expect(out.error.code).toBe("guest_error");
            expect(out.error.message).toContain("boom");
          }
        });

        if (s.syntax !== undefined) {
          it("reports a syntax error with its line", async () => {
            const out = await run(language, s.syntax!);
            expect(out).toMatchObject({ ok: false, error: { code: "syntax_error", line: 2 } });
          });
        }

        it("stops an endless loop with fuel_exhausted", async () => {
          const out = await run(language, s.spin, { limits: { fuel: 200 } });
          expect(out).toMatchObject({ ok: false, error: { code: "fuel_exhausted" } });
          expect(out.usage.fuel).toBe(200);
        });

        it("uses the same fuel for the same script and input, run after run", async () => {
          const fuel = new Set<number | null>();
          for (let i = 0; i < 10; i++) {
            const out = await run(language, s.handler, { input: { n: 21 }, limits: { fuel: 200 } });
            expect(out).toMatchObject({ ok: true, result: 42 });
            fuel.add(out.usage.fuel);
          }
          expect(fuel.size).toBe(1);
        });

        it("reaches nothing of the host: no environment, files, processes or sockets", async () => {
          const out = await run(language, s.reach);
          expect(out).toMatchObject({ ok: true, result: [] });
        });

        it("stops unbounded allocation with memory_exhausted", async () => {
          const out = await run(language, s.hog, { limits: { memoryMb: 32 } });
          expect(out).toMatchObject({ ok: false, error: { code: "memory_exhausted" } });
        });

        it("stops unbounded output with output_limit", async () => {
          const out = await run(language, s.chatter);
          expect(out).toMatchObject({ ok: false, error: { code: "output_limit" } });
          expect(out.stdout.length).toBeGreaterThan(0);
        });

        if (s.random) {
          it("draws different random numbers in every run", async () => {
            const draws = new Set<string>();
            for (let i = 0; i < 3; i++) {
              const out = await run(language, s.random!);
              expect(out.ok).toBe(true);
              if (out.ok) for (const draw of out.result as unknown[]) draws.add(JSON.stringify(draw));
            }
            expect(draws.size).toBe(3 * (((await run(language, s.random!)) as { result: unknown[] }).result.length));
          });
        }

        if (s.kv) {
          it("reaches kv when granted, and gets capability_denied when not", async () => {
            const granted = await run(language, s.kv!, { grants: { kv: { namespace: `conformance-${language}` }, secrets: {} } });
            expect(granted).toMatchObject({ ok: true, result: options.kvFails?.includes(language) ? "error:failed" : "hi" });
            const denied = await run(language, s.kv!);
            expect(denied).toMatchObject({ ok: true, result: "error:capability_denied" });
          });
        }

        it("runs a benign script after the hostile ones", async () => {
          const out = await run(language, s.handler, { input: { n: 2 } });
          expect(out).toMatchObject({ ok: true, result: 4 });
        });
      });
    }

    if (languages.includes("typescript")) {
      describe("typescript: the whole language, wherever it runs", () => {
        it("runs namespaces, enums, const enums, parameter properties and decorators", async () => {
          const code = `namespace NS { export const x = 1; export namespace Inner { export const y = x + 1 } }
enum Color { Red, Green = "g" }
const enum Flag { A = 1, B = A << 3 }
function twice(value: any, context: ClassMethodDecoratorContext) { return function (this: any) { return 2 * value.call(this) } }
class Box { constructor(public readonly size: number) {} @twice area(): number { return this.size * this.size } }
export default (input: { n: number }) => [NS.x, NS.Inner.y, Color.Red, Color[0], Color.Green, Flag.B, new Box(input.n).area()]`;
          expect(await run("typescript", code, { input: { n: 3 } })).toMatchObject({ ok: true, result: [1, 2, 0, "Red", "g", 8, 18] });
        });

        it("reports a syntax error at its place in the TypeScript, with the usage a JavaScript one has", async () => {
          const out = await run("typescript", "const aaaaaa: Record<string, number> = {}; const aaaaaa = 2;");
          expect(out).toMatchObject({ ok: false, error: { code: "syntax_error", line: 1, column: 50 } });
          const js = await run("javascript", "const aaaaaa = {}; const aaaaaa = 2;");
          expect(out.usage.fuel).toBe(js.usage.fuel);
          expect(out.usage.memoryBytes).toBe(js.usage.memoryBytes);
        });
      });
    }

    for (const language of languages.filter((l) => l === "javascript" || l === "typescript")) {
      describe(`${language}: entry points and error positions`, () => {
        it("returns a module.exports that is not a function as the result", async () => {
          expect(await run(language, "module.exports = 42")).toMatchObject({ ok: true, result: 42 });
        });

        it("gives a guest error the line and column of the script's innermost frame, in the caller's source", async () => {
          const code = language === "typescript"
            ? "function fail(reason: string): never {\n  throw new Error(reason)\n}\nexport default (): never => fail('boom')"
            : "function fail(reason) {\n  throw new Error(reason)\n}\nexport default () => fail('boom')";
          const out = await run(language, code);
          const file = language === "typescript" ? "script.ts" : "script.js";
          expect(out).toMatchObject({ ok: false, error: { code: "guest_error", message: "Error: boom", line: 2, column: 18 } });
          if (!out.ok) expect(out.error.stack).toMatch(new RegExp(`^ +at fail \\(${file.replace(".", "\\.")}:2:18\\)\n +at default \\(${file.replace(".", "\\.")}:4:`));
        });
      });
    }
  });
}
