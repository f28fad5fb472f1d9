/** Python on the component engine (in process): the standard library, isolation between runs, limits. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ComponentEngine } from "../../../src/engine/component/component-engine.ts";
import { componentEngine, job } from "../../helpers/fixtures.ts";

let engine: ComponentEngine;
beforeAll(async () => {
  engine = await componentEngine();
});
afterAll(() => engine.dispose());
const py = (code: string, options?: Parameters<typeof job>[2]) => engine.run(job("python", code, options));

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

  it("ends deep recursion as a RecursionError and a huge string as memory_exhausted", async () => {
    const deep = await py("def f(n):\n    return f(n + 1) + 1\nf(1)");
    expect(deep).toMatchObject({ ok: false, error: { code: "guest_error", message: expect.stringContaining("RecursionError") } });
    expect(await py("x = 'x' * 10**9")).toMatchObject({ ok: false, error: { code: "memory_exhausted" } });
    // A 32-bit interpreter cannot even express 10**10 bytes: that is an OverflowError, raised before any allocation.
    expect(await py("x = 'x' * 10**10")).toMatchObject({ ok: false, error: { code: "guest_error", message: expect.stringContaining("OverflowError") } });
    expect(await py("def main(i):\n    return i['n'] * 2", { input: { n: 2 } })).toMatchObject({ ok: true, result: 4 });
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
