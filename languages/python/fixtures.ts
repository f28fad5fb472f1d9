/**
 * Python's conformance fixtures: the behaviours every language shows (test/languages/cases.ts
 * says what each one must do). test/languages/every-language.test.ts runs them for every language in
 * languages/index.ts, so a new language's folder needs its own.
 */
import { pythonName, pythonString } from "./binding.ts";

export const cases = {
  greet: `def main(i):\n    return "hi " + i["name"]`,
  greetAgain: `def main(i):\n    return "hello " + i["name"]`,
  counter: `import kiln
kiln.kv.set("top", "ran")
def main(i):
    n = int(kiln.kv.get("count") or 0) + 1
    kiln.kv.set("count", str(n))
    return n`,
  clock: `import datetime, time
def main(i):
    t0 = time.monotonic()
    s = sum(range(300000))
    return [datetime.datetime.now(datetime.timezone.utc).timestamp(), time.monotonic() - t0]`,
  syntaxError: `a = 1\nb = = 2`,
  syntax: { line: 2, column: 5 },
  guestError: `def main(i):\n    x = 1\n    raise ValueError("boom %d" % x)`,
  hugeInteger: `def main(i):\n    return 2 ** 64`,
  caughtHostError: `import kiln
def main(i):
    try:
        kiln.kv.get("a")
    except kiln.HostError as e:
        return [e.code, str(e)]`,
  hostCalls: (calls: readonly { iface: string; fn: string; args: readonly unknown[] }[]) => `import json, kiln
def attempt(f):
    try:
        return ["ok", f()]
    except kiln.HostError as e:
        return ["err", e.code]
def main(input):
    return [
${calls.map((c) => `        attempt(lambda: kiln.${pythonName(c.iface)}.${pythonName(c.fn)}(${c.args.map((a) => `json.loads(${pythonString(JSON.stringify(a))})`).join(", ")})),`).join("\n")}
    ]`,
  capabilities: `import kiln
def main(input):
    kiln.kv.set("greeting", "hi")
    value = kiln.kv.get("greeting")
    try:
        kiln.http.fetch("https://example.com/")
        denied = None
    except kiln.HostError as e:
        denied = e.code
    kiln.log.write("info", "capabilities ran")
    return [value, denied]`,
  stdinAll: `import sys
def main(i):
    return sys.stdin.read()`,
  stdinLines: `def main(i):
    lines = []
    while True:
        try:
            lines.append(input())
        except EOFError:
            return lines`,
  stdinNumbers: `import sys
def main(i):
    return sum(int(x) for x in sys.stdin.read().split())`,
  args: `import sys
def main(i):
    return sys.argv[1:] if sys.argv[0] == "script" else None`,
  importFiles: {
    code: `import util
from lib import greeting
def main(i):
    return [util.double(21), greeting.greet("ada")]`,
    files: [
      { name: "util.py", content: `def double(n):\n    return n * 2` },
      { name: "lib/greeting.py", content: `import util\ndef greet(name):\n    return "hi " + name + " " + str(util.double(1))` },
    ],
  },
  importUtil: `import util\ndef main(i):\n    return util.double(21)`,
};
