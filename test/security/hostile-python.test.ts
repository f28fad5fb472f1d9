/**
 * Hostile Python through the real HTTP app and the Node worker pool (the component engine).
 * Every hostile case is followed by a benign request on the same server, which must succeed.
 */
import { describe, expect, it } from "vitest";
import { usePoolApp } from "../helpers/fixtures.ts";
import { hostileCases, type HostileCase } from "../helpers/hostile-cases.ts";

const server = usePoolApp({ warmUp: ["python"] });

const benign = { language: "python", code: "def main(i):\n    return i['a'] + 1", input: { a: 41 } };

const cases: HostileCase[] = [
  ["an endless loop", "while True:\n    pass", { fuel: 500 }, "fuel_exhausted"],
  ["an endless loop that catches everything", "while True:\n    try:\n        while True: pass\n    except BaseException:\n        pass", { fuel: 500 }, "fuel_exhausted"],
  ["an endless generator ping-pong", "def g():\n    while True:\n        yield 1\nfor _ in g():\n    pass", { fuel: 500 }, "fuel_exhausted"],
  ["a gigabyte string", "s = 'x' * 10**9", undefined, "memory_exhausted"],
  ["a list-growth bomb", "a = []\nwhile True:\n    a.append(bytearray(100000))", { fuel: 1e6 }, "memory_exhausted"],
  ["catching MemoryError and allocating again", "while True:\n    try:\n        'x' * 10**9\n    except MemoryError:\n        pass", { fuel: 2000 }, "fuel_exhausted"],
  ["deep recursion", "def f(n):\n    return f(n + 1) + 1\nf(1)", undefined, "guest_error"],
  ["recursion through C (map)", "def f(n):\n    return list(map(f, [n + 1]))\nf(1)", undefined, "guest_error"],
  ["a recursion limit raised to a million (frames live on the heap)", "import sys\nsys.setrecursionlimit(10**6)\ndef f(n):\n    return f(n + 1) + 1\nf(1)", { fuel: 200000, memoryMb: 32 }, "memory_exhausted"],
  ["output flooding", "import sys\nwhile True:\n    sys.stdout.write('y' * 1000)", undefined, "output_limit"],
  ["a pathological regexp, again and again", "import re\ns = 'a' * 5000 + 'b'\nwhile True:\n    re.match('(a|aa)*c', s)", { fuel: 500 }, "fuel_exhausted"],
  ["os._exit", "import os\nos._exit(3)", undefined, "guest_error"],
  ["os.abort", "import os\nos.abort()", undefined, "guest_error"],
  ["a thread", "import threading\nthreading.Thread(target=lambda: None).start()", undefined, "guest_error"],
  ["a subprocess", "import subprocess\nsubprocess.run(['id'])", undefined, "guest_error"],
  ["a forged host request", "import _kiln\ntry:\n    _kiln.call('[\"http.fetch\", [\"http://169.254.169.254/\"]]')\nexcept _kiln.HostError as e:\n    assert str(e).startswith('capability_denied'), e\nelse:\n    raise AssertionError('reached the host')", undefined, "ok"],
  ["a malformed host request", "import _kiln\n_kiln.call('not json')", undefined, "guest_error"],
  ["tampering with the runner's JSON before the result is encoded", "import json\njson.dumps = lambda *a, **k: '1'\ndef main():\n    return {'a': 1}", undefined, "ok"],
  // A sleep really waits (test/engine/component/sleep.test.ts); one past the deadline ends there.
  ["time.sleep for an hour", "import time\ntime.sleep(3600)", { timeoutMs: 2000 }, "timeout"],
  ["nesting too deep to parse", "x = " + "[".repeat(200) + "]".repeat(200), undefined, "syntax_error"],
  ["a NUL byte in the source", "x = 1\0", undefined, "syntax_error"],
  ["breaking the JSON encoder the runner answers with", "import json.encoder\njson.encoder.c_make_encoder = None\njson.encoder.encode_basestring_ascii = lambda s: 'not json'\ndef main():\n    return 'x'", undefined, "guest_error"],
  ["replacing os._exit's flush with a trap", "import os, sys\nclass Out:\n    def write(self, s):\n        return len(s)\n    def flush(self):\n        os.abort()\nsys.stdout = Out()\nos._exit(1)", undefined, "guest_error"],
];

describe("hostile Python ends cleanly and leaves the server serving", () => {
  hostileCases(server, { language: "python", benign: { ...benign, result: 42 }, cases });

  // The recursion limit is CPython's 1000 (WASI's default is 600): recursion that nests the interpreter in
  // C at every level must still end in a RecursionError on a worker's native stack, not overflow it.
  const throughC: [string, string][] = [
    ["map", "def f(n):\n    return list(map(f, [n + 1]))\nf(1)"],
    ["sorted's key", "def f(n):\n    return sorted([1], key=lambda x: f(n + 1))\nf(1)"],
    ["yield from", "def g(n):\n    yield from g(n + 1)\nlist(g(1))"],
    ["format()", "class A:\n    def __format__(self, s):\n        return format(A(), '')\nformat(A(), '')"],
    ["functools.lru_cache", "import functools\n@functools.lru_cache(None)\ndef f(n):\n    return f(n + 1) + 1\nf(1)"],
    ["__getattr__", "class A:\n    def __getattr__(self, k):\n        return getattr(self, k + 'x')\nA().y"],
  ];
  for (const [what, code] of throughC) {
    it(`ends recursion through C (${what}) at the default limit in a RecursionError`, async () => {
      const { body } = await server.h.post({ language: "python", code: `import sys\nassert sys.getrecursionlimit() == 1000\n${code}` });
      expect(body).toMatchObject({ ok: false, error: { code: "guest_error", message: expect.stringMatching(/\nRecursionError: maximum recursion depth exceeded[^\n]*$/) } });
      expect((await server.h.post(benign)).body).toMatchObject({ ok: true, result: 42 });
    });
  }

  it("reaches no host environment, files, processes or sockets", async () => {
    const code = `import os
def attempt(fn):
    try:
        return fn()
    except Exception as e:
        return type(e).__name__
def main():
    return {
        "environ": dict(os.environ),
        "passwd": attempt(lambda: open("/etc/passwd").read()),
        "escape": attempt(lambda: open("/kiln/../etc/passwd").read()),
        "root": attempt(lambda: os.listdir("/")),
        "write": attempt(lambda: open("/kiln/x.py", "w")),
        "tmp": attempt(lambda: open("/tmp/x", "w")),
        "socket": attempt(lambda: __import__("socket").create_connection(("127.0.0.1", 80))),
        "getcwd": attempt(os.getcwd),
    }`;
    const { body } = await server.h.post({ language: "python", code });
    expect(body.ok).toBe(true);
    const r = body.result;
    expect(r.environ).toEqual({});
    for (const key of ["passwd", "escape", "root", "write", "tmp", "socket"]) expect(r[key], key).toMatch(/Error$/);
    expect((await server.h.post(benign)).body).toMatchObject({ ok: true, result: 42 });
  });
});

describe("deploy checks of Python run the top level only", () => {
  const deploy = (name: string, code: string) => server.h.request(`/v1/scripts/${name}`, { method: "PUT", body: { language: "python", code } });

  it("deploys a script whose main needs its input, then invokes it", async () => {
    const { status } = await deploy("py-greet", 'def main(i):\n    return "hi " + i["name"]');
    expect(status).toBe(201);
    const { body } = await server.h.request("/v1/scripts/py-greet/invoke", { method: "POST", body: { name: "ada" } });
    expect(body).toMatchObject({ ok: true, result: "hi ada" });
  });

  it("does not call a main that never returns", async () => {
    const started = Date.now();
    expect((await deploy("py-spin", "def main(i):\n    while True:\n        pass")).status).toBe(201);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("refuses a script whose top level fails, with the script's line", async () => {
    const { status, body } = await deploy("py-broken", "import json\nconfig = json.loads('{')\ndef main(i):\n    return config");
    expect(status).toBe(400);
    expect(body.error.code).toBe("invalid_script");
    expect(body.error.message).toContain('File "script", line 2, in <module>');
    expect(body.error.message).not.toContain("python311.zip");
  });
});
