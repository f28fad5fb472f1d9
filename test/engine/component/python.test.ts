/** Python on the component engine (in process): the standard library, isolation between runs, limits. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ComponentEngine } from "../../../src/engine/component/component-engine.ts";
import { componentEngine, job } from "../../helpers/fixtures.ts";

let engine: ComponentEngine;
beforeAll(async () => {
  engine = await componentEngine();
});
afterAll(() => engine.dispose());
const py = (code: string, options?: Parameters<typeof job>[2] & { evaluateOnly?: boolean }) =>
  engine.run({ ...job("python", code, options), ...(options?.evaluateOnly ? { evaluateOnly: true } : {}) });
const kvGrant = { kv: { namespace: "python-test" }, secrets: {} };

describe("Python on the component engine", () => {
  it("imports the standard library people use", async () => {
    const code = `import json, re, math, datetime, collections, decimal, hashlib, dataclasses, typing, base64, itertools, functools, string, uuid
@dataclasses.dataclass
class Point:
    x: int
    y: int
def main(input):
    return {
        "json": json.dumps({"a": [1, 2]}),
        "re": re.findall(r"\\d+", "a1b22c333"),
        "math": math.isqrt(10**6),
        "date": datetime.date(2024, 2, 29).isoformat(),
        "counter": collections.Counter("hello").most_common(1),
        "decimal": str(decimal.Decimal("0.1") + decimal.Decimal("0.2")),
        "sha256": hashlib.sha256(b"kiln").hexdigest()[:12],
        "point": dataclasses.asdict(Point(1, 2)),
        "b64": base64.b64encode(b"hi").decode(),
    }`;
    const out = await py(code);
    expect(out).toMatchObject({
      ok: true,
      result: { json: '{"a": [1, 2]}', re: ["1", "22", "333"], math: 1000, date: "2024-02-29", counter: [["l", 2]], decimal: "0.3", point: { x: 1, y: 2 }, b64: "aGk=" },
    });
    expect((out as { result: { sha256: string } }).result.sha256).toHaveLength(12);
  });

  it("gets the input as Python values and refuses a result that is not JSON", async () => {
    expect(await py("def main(i):\n    return [type(i).__name__, i['a'], i['b'] is None, i['c']]", { input: { a: [1, 2.5], b: null, c: true } })).toMatchObject({
      ok: true,
      result: ["dict", [1, 2.5], true, true],
    });
    const bad = await py("def main(i):\n    return {1, 2}");
    expect(bad).toMatchObject({ ok: false, error: { code: "guest_error", message: expect.stringContaining("not JSON-serialisable") } });
    expect(await py("def main(i):\n    return float('nan')")).toMatchObject({ ok: false, error: { code: "guest_error" } });
  });

  it("returns the traceback of the script's own frames", async () => {
    const out = await py("def helper():\n    return 1 / 0\n\ndef main():\n    return helper()");
    expect(out).toMatchObject({ ok: false, error: { code: "guest_error", line: 2 } });
    if (!out.ok) {
      expect(out.error.message).toMatch(/^Traceback \(most recent call last\):/);
      expect(out.error.message).toContain('File "script", line 5, in main');
      expect(out.error.message).toContain("ZeroDivisionError: division by zero");
      expect(out.error.message).not.toContain("kiln_runner");
    }
  });

  it("runs only the top level for a deploy-time check: main is not called and the result is null", async () => {
    const code = 'print("top")\ndef main(i):\n    print("main")\n    return "hi " + i["name"]';
    expect(await py(code, { evaluateOnly: true })).toMatchObject({ ok: true, result: null, stdout: "top\n" });
    expect(await py(code, { input: { name: "ada" } })).toMatchObject({ ok: true, result: "hi ada", stdout: "top\nmain\n" });
    expect(await py("def main():\n    while True:\n        pass", { evaluateOnly: true, limits: { fuel: 200 } })).toMatchObject({ ok: true, result: null });
    // A top level that fails still fails the check.
    expect(await py("x = {}['k']\ndef main(i):\n    return 1", { evaluateOnly: true })).toMatchObject({ ok: false, error: { code: "guest_error", line: 1 } });
  });

  it("shows a refused host call as a traceback of the script ending in kiln.HostError", async () => {
    const out = await py('import kiln\ndef main(i):\n    kiln.kv.get("a")');
    expect(out).toMatchObject({ ok: false, error: { code: "guest_error", line: 3, column: 5 } });
    if (!out.ok) {
      expect(out.error.message).toBe('Traceback (most recent call last):\n  File "script", line 3, in main\n    kiln.kv.get("a")\nkiln.HostError: capability_denied: kv is not granted to this run');
    }
    const caught = await py(`import kiln
def main():
    try:
        kiln.kv.list()
    except kiln.HostError as e:
        return [type(e).__module__, type(e).__qualname__, isinstance(e, Exception), e.code, e.detail, str(e)]`);
    expect(caught).toMatchObject({ ok: true, result: ["kiln", "HostError", true, "capability_denied", "kv is not granted to this run", "capability_denied: kv is not granted to this run"] });
  });

  it("kiln.kv.list() lists every key by default, and a wrong call names the kiln function", async () => {
    const code = "import kiln\ndef main():\n    kiln.kv.set('a1', 'x')\n    kiln.kv.set('b1', 'y')\n    return [sorted(kiln.kv.list()), kiln.kv.list('a'), kiln.kv.list(limit=1).__class__.__name__]";
    expect(await py(code, { grants: kvGrant })).toMatchObject({ ok: true, result: [["a1", "b1"], ["a1"], "list"] });
    const wrong = await py("import kiln\nkiln.kv.get()", { grants: kvGrant });
    expect(wrong).toMatchObject({ ok: false, error: { code: "guest_error", line: 2, column: 1 } });
    if (!wrong.ok) {
      expect(wrong.error.message).toContain("TypeError: kv.get() missing 1 required positional argument: 'key'");
      expect(wrong.error.message).not.toMatch(/lambda|kiln_runner|python311\.zip/);
    }
  });

  it("shows only the script's frames, not the standard library's", async () => {
    const out = await py("import json\ndef main():\n    return json.loads('{')");
    expect(out).toMatchObject({ ok: false, error: { code: "guest_error", line: 3, column: 12 } });
    if (!out.ok) {
      expect(out.error.message).toMatch(/^Traceback \(most recent call last\):\n {2}File "script", line 3, in main\n/);
      expect(out.error.message).toMatch(/\njson\.decoder\.JSONDecodeError: Expecting property name/);
      expect(out.error.message).not.toContain("python311.zip");
    }
  });

  it("gives a syntax error's line and 1-based column", async () => {
    expect(await py("a = 1\nb = = 2")).toMatchObject({ ok: false, error: { code: "syntax_error", line: 2, column: 5 } });
    expect(await py("if True:\npass")).toMatchObject({ ok: false, error: { code: "syntax_error", line: 2, column: 1, message: expect.stringContaining("IndentationError") } });
    // The column counts characters, not UTF-8 bytes.
    expect(await py("é = 'é' = = 2")).toMatchObject({ ok: false, error: { code: "syntax_error", line: 1, column: 5 } });
    // A NUL byte does not parse either (CPython 3.11.2 says so with a ValueError).
    expect(await py("a = 1\nb = 2\0")).toMatchObject({ ok: false, error: { code: "syntax_error", line: 2, column: 6, message: "SyntaxError: source code string cannot contain null bytes" } });
  });

  it("gives a guest error the line and 1-based column of the script's innermost frame", async () => {
    const out = await py("def helper(d):\n    return d['k']\n\ndef main():\n    x = ('é', 'é'); y = 1 + 'a'");
    expect(out).toMatchObject({ ok: false, error: { code: "guest_error", line: 5, column: 25 } });
    expect(await py("def helper(d):\n    return  d['k']\n\ndef main():\n    return helper({})")).toMatchObject({ ok: false, error: { code: "guest_error", line: 2, column: 13 } });
    expect(await py("import sys\n\nsys.exit(3)")).toMatchObject({ ok: false, error: { code: "guest_error", message: "SystemExit: 3", line: 3, column: 1 } });
    // The result is not the script's code: no location.
    const bad = await py("def main():\n    return {1}");
    expect(bad.ok || "line" in bad.error).toBe(false);
  });

  it("keeps what was printed before os._exit and os.abort", async () => {
    expect(await py('import os\nprint("x")\nos._exit(1)')).toMatchObject({ ok: false, error: { code: "guest_error" }, stdout: "x\n" });
    expect(await py('import posix, sys\nprint("out")\nprint("err", file=sys.stderr, end="")\nposix._exit(0)')).toMatchObject({ ok: false, error: { code: "guest_error" }, stdout: "out\n", stderr: "err" });
    expect(await py('import os, sys, io\nprint("before")\nsys.stdout = io.StringIO()\nos.abort()')).toMatchObject({ ok: false, error: { code: "guest_error" }, stdout: "before\n" });
    expect(await py('import os\nprint(os._exit.__name__, os._exit is __import__("posix")._exit)')).toMatchObject({ ok: true, stdout: "_exit True\n" });
  });

  it("answers a guest error, not a host failure, when the script breaks the runner's JSON encoder", async () => {
    const code = "import json.encoder\njson.encoder.c_make_encoder = None\njson.encoder.encode_basestring_ascii = lambda s: 'not json'\ndef main():\n    return 'x'";
    expect(await py(code)).toMatchObject({ ok: false, error: { code: "guest_error", message: expect.stringContaining("Kiln's wrapper") } });
    expect(await py("def main(i):\n    return i['n'] * 2", { input: { n: 2 } })).toMatchObject({ ok: true, result: 4 });
  });

  it("ends deep recursion as a RecursionError and a huge string as memory_exhausted", async () => {
    const deep = await py("def f(n):\n    return f(n + 1) + 1\nf(1)");
    expect(deep).toMatchObject({ ok: false, error: { code: "guest_error", line: 2, column: 12, message: expect.stringContaining("RecursionError") } });
    if (!deep.ok) expect(deep.error.message).toMatch(/\n {2}\[Previous line repeated \d+ more times\]\nRecursionError: maximum recursion depth exceeded$/);
    // Recursion through two functions repeats no single frame: the traceback shows the first and last 50 frames.
    const mutual = await py("def f(n):\n    return g(n + 1) + 1\ndef g(n):\n    return f(n)\nf(1)");
    expect(mutual).toMatchObject({ ok: false, error: { code: "guest_error", message: expect.stringMatching(/\n {2}\[\d+ more frames\]\n/) } });
    if (!mutual.ok) expect(mutual.error.message.split("\n").filter((l) => l.startsWith('  File "script"'))).toHaveLength(100);
    expect(await py("x = 'x' * 10**9")).toMatchObject({ ok: false, error: { code: "memory_exhausted" } });
    // A 32-bit interpreter cannot even express 10**10 bytes: that is an OverflowError, raised before any allocation.
    expect(await py("x = 'x' * 10**10")).toMatchObject({ ok: false, error: { code: "guest_error", message: expect.stringContaining("OverflowError") } });
    expect(await py("def main(i):\n    return i['n'] * 2", { input: { n: 2 } })).toMatchObject({ ok: true, result: 4 });
  });

  it("runs the script as module __main__ named script, with the namespace python3.11 gives a script", async () => {
    const code = `import sys, __main__
x: int = 1
def main():
    return [__file__, __name__, __doc__, __spec__, __package__, __cached__, type(__loader__).__name__, __loader__.path,
            list(globals())[:9], __builtins__ is __import__("builtins"), __main__.__dict__ is globals(), sys.modules["__main__"].x,
            {k: v.__name__ for k, v in __annotations__.items()}, sys._getframe().f_code.co_filename]`;
    expect(await py(code)).toMatchObject({
      ok: true,
      result: ["script", "__main__", null, null, null, null, "SourceFileLoader", "script",
        ["__name__", "__doc__", "__package__", "__loader__", "__spec__", "__annotations__", "__builtins__", "__file__", "__cached__"], true, true, 1,
        { x: "int" }, "script"],
    });
    expect(await py('"""The script\'s docstring."""\ndef main():\n    return __doc__')).toMatchObject({ ok: true, result: "The script's docstring." });
    // A traceback names the same file as __file__.
    const failed = await py("raise ValueError(__file__)");
    if (!failed.ok) expect(failed.error.message).toBe('Traceback (most recent call last):\n  File "script", line 1, in <module>\n    raise ValueError(__file__)\nValueError: script');
    expect(failed.ok).toBe(false);
  });

  it("gives every run the recursion limit 1000, whatever the run before set", async () => {
    expect(await py("import sys\nsys.setrecursionlimit(50)\ndef main():\n    return sys.getrecursionlimit()")).toMatchObject({ ok: true, result: 50 });
    expect(await py("import sys\ndef d(n):\n    return n and d(n - 1) + 1\ndef main():\n    return [sys.getrecursionlimit(), d(950)]")).toMatchObject({ ok: true, result: [1000, 950] });
  });

  it("carries nothing from one run to the next over 50 runs", async () => {
    const code = `import sys, json, random
import builtins
seen = [getattr(builtins, "kiln_mark", None), sys.modules.get("kiln_mark"), json.__dict__.get("kiln_mark")]
builtins.kiln_mark = 1
sys.modules["kiln_mark"] = sys
json.kiln_mark = 1
def main():
    return [seen, random.random()]`;
    const draws = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const out = await py(code);
      expect(out).toMatchObject({ ok: true, result: [[null, null, null], expect.any(Number)] });
      if (out.ok) draws.add((out.result as [unknown, number])[1]);
    }
    // random is reseeded from the host for each run.
    expect(draws.size).toBeGreaterThan(45);
  });
});
