/** Ruby on the component engine (in process), beyond the shared conformance suite. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ComponentEngine } from "../../../src/engine/component/component-engine.ts";
import { componentEngine, job } from "../../helpers/fixtures.ts";

let engine: ComponentEngine;
beforeAll(async () => {
  engine = await componentEngine();
});
afterAll(() => engine.dispose());
const rb = (code: string, options?: Parameters<typeof job>[2]) => engine.run(job("ruby", code, options));

describe("Ruby on the component engine", () => {
  it("runs only the top level for a deploy-time check: main is not called", async () => {
    const code = "puts 'loaded'\ndef main(i) = \"hi \" + i[\"name\"]";
    expect(await engine.run({ ...job("ruby", code), evaluateOnly: true })).toMatchObject({ ok: true, result: null, stdout: "loaded\n" });
    expect(await rb(code, { input: { name: "ada" } })).toMatchObject({ ok: true, result: "hi ada" });
    expect(await engine.run({ ...job("ruby", "raise 'at load'"), evaluateOnly: true })).toMatchObject({ ok: false, error: { code: "guest_error" } });
  });

  it("refuses to start a process, by any means, with NotImplementedError", async () => {
    const attempts = ["system('echo hi')", "`echo hi`", "%x(echo hi)", "spawn('ls')", "exec('ls')", "IO.popen('ls')", "Process.spawn('ls')", "Process.exec('ls')", "Kernel.system('ls')", "open('|ls')", "IO.read('|ls')"];
    const code = `def main = [${attempts.map((a) => `(begin; ${a}; 'ran'; rescue NotImplementedError => e; e.message; end)`).join(", ")}]`;
    const out = await rb(code);
    expect(out.ok).toBe(true);
    if (out.ok) for (const message of out.result as string[]) expect(message).toMatch(/ is not supported: Kiln's sandbox runs no processes$/);
    expect(await rb("system('echo hi')")).toMatchObject({ ok: false, error: { code: "guest_error", message: expect.stringMatching(/^NotImplementedError: system is not supported/), line: 1 } });
    // Files still open as before.
    expect(await rb("def main = (open('/etc/passwd') rescue $!.class.name)")).toMatchObject({ ok: true, result: "Errno::ENOENT" });
  });

  it("lets the standard library's require_relative find its own files, with and without the run's files", async () => {
    // unicode_normalize loads its tables with require_relative: Kiln's require_relative (for the run's files) must pass it through.
    const code = `def main(i) = "e\\u0301".unicode_normalize(:nfc).bytes`;
    expect(await engine.run(job("ruby", code))).toMatchObject({ ok: true, result: [195, 169] });
    const withFiles = { ...job("ruby", `require_relative "util"\n${code}`), files: [{ name: "util.rb", content: "X = 1" }] };
    expect(await engine.run(withFiles)).toMatchObject({ ok: true, result: [195, 169] });
  });

  it("keeps what was printed before exit!", async () => {
    expect(await rb("puts 'before'\n$stderr.print 'err'\nexit!(1)")).toMatchObject({ ok: false, error: { code: "guest_error" }, stdout: "before\n", stderr: "err" });
    expect(await rb("print 'before'\nProcess.exit!(0)")).toMatchObject({ ok: false, stdout: "before" });
    expect(await rb("def main = 'fine'")).toMatchObject({ ok: true, result: "fine" });
  });

  it("gives a syntax error the line and the column prism shows", async () => {
    const at = async (code: string) => {
      const out = await rb(code);
      expect(out).toMatchObject({ ok: false, error: { code: "syntax_error" } });
      return out.ok ? undefined : [out.error.line, out.error.column];
    };
    expect(await at("a = 1\nb = = 2")).toEqual([2, 3]);
    expect(await at("\tb = = 2")).toEqual([1, 4]);
    expect(await at("s = 'é日本'; b = = 2")).toEqual([1, 14]);
    expect(await at("x = 1\n  foo(1,\n")).toEqual([2, 9]);
    // 30 bytes or more into its line, prism shows the line from the error on: the column is found in the line.
    expect(await at("x = 1\nabcdefghijklmnopqrstuvwxyz0123456789 = = 2")).toEqual([2, 38]);
    expect(await at(`${"é".repeat(30)} = ) + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12 + 13`)).toEqual([1, 32]);
  });

  it("gives a runtime error the script's line and a stack of its frames; a SyntaxError from eval is the script's error", async () => {
    const out = await rb("def f\n  raise 'boom'\nend\ndef main = f");
    expect(out).toMatchObject({ ok: false, error: { code: "guest_error", message: "RuntimeError: boom", line: 2, stack: "script:2:in 'Object#f'\nscript:4:in 'Object#main'" } });
    const evaluated = await rb("x = 1\neval('1 +')");
    expect(evaluated).toMatchObject({ ok: false, error: { code: "guest_error", message: expect.stringMatching(/^SyntaxError: \(eval at script:2\)/), line: 2 } });
    const deep = await rb("def f(n) = f(n + 1)\nf(1)");
    expect(deep).toMatchObject({ ok: false, error: { code: "guest_error", message: "SystemStackError: stack level too deep", line: 1 } });
    if (!deep.ok) expect(deep.error.stack!.split("\n")).toHaveLength(22);
  });

  it("ends the script quietly at a top-level return, and still calls main if it was defined before the return", async () => {
    expect(await rb("puts 'a'\nreturn\nputs 'b'")).toMatchObject({ ok: true, result: null, stdout: "a\n" });
    expect(await rb("def main(i) = i['n'] + 1\n[1, 2].each { |x| return if x == 2; puts x }\ndef main(i) = 'redefined after the return'", { input: { n: 41 } })).toMatchObject({ ok: true, result: 42, stdout: "1\n" });
    expect(await engine.run({ ...job("ruby", "def main = 'x'\nreturn"), evaluateOnly: true })).toMatchObject({ ok: true, result: null });
    // A proc's return whose home (the top level) has ended, called from main, is an error, not a quiet end.
    expect(await rb("$p = proc { return 1 }\ndef main = $p.call")).toMatchObject({ ok: false, error: { code: "guest_error", message: "LocalJumpError: unexpected return" } });
  });

  it("runs at_exit and END handlers after the top level and main, newest first, in the run's stdout; a handler's failure fails the run", async () => {
    const code = "at_exit { puts 'h1' }\nEND { puts 'end' }\ndef main\n  at_exit { puts 'from main' }\n  puts 'main'\n  7\nend\nat_exit { puts 'h2' }\nputs 'top'";
    expect(await rb(code)).toMatchObject({ ok: true, result: 7, stdout: "top\nmain\nfrom main\nh2\nend\nh1\n" });
    expect(await engine.run({ ...job("ruby", code), evaluateOnly: true })).toMatchObject({ ok: true, result: null, stdout: "top\nh2\nend\nh1\n" });
    // The script's failure is the run's; handlers still run. Without one, the first failing handler's is, and the others go to stderr.
    expect(await rb("at_exit { puts 'still ran' }\nraise 'top'")).toMatchObject({ ok: false, error: { message: "RuntimeError: top", line: 2 }, stdout: "still ran\n" });
    const failing = await rb("at_exit { raise 'second' }\nat_exit { raise 'first' }\nat_exit { exit 0 }\nputs 'body'");
    expect(failing).toMatchObject({ ok: false, error: { code: "guest_error", message: "RuntimeError: first", line: 2, stack: "script:2:in 'block in <main>'" }, stdout: "body\n" });
    expect(failing.stderr).toBe("script:1:in 'block in <main>': second (RuntimeError)\n");
    expect(await rb("at_exit { puts 'after exit' }\nexit 3")).toMatchObject({ ok: false, error: { message: "exit 3" }, stdout: "after exit\n" });
    expect(await rb("at_exit\n")).toMatchObject({ ok: false, error: { message: "ArgumentError: called without a block", line: 1 } });
  });

  it("never runs a handler registered by one run in another run of the same warm instance", async () => {
    expect(await rb("at_exit { puts 'leaked handler' }\nEND { puts 'leaked END' }\nputs 'first'")).toMatchObject({ ok: true, stdout: "first\nleaked END\nleaked handler\n" });
    expect(await rb("puts 'second'")).toMatchObject({ ok: true, stdout: "second\n", usage: { start: "warm" } });
    // Nor one registered by a run that was stopped before its handlers ran.
    expect(await rb("at_exit { puts 'leaked after a trap' }\nloop {}", { limits: { fuel: 100 } })).toMatchObject({ ok: false, error: { code: "fuel_exhausted" } });
    expect(await rb("puts 'third'\nEND { puts 'own END' }")).toMatchObject({ ok: true, stdout: "third\nown END\n" });
  });

  it("counts a run's deadline from its guest's start for host calls too: a slow instance start leaves kv its whole time", async () => {
    const grants = { kv: { namespace: "ruby-deadline" }, secrets: {} };
    // As in a new worker: Ruby's module is not compiled yet, and compiling it and initialising Ruby take over a second.
    using cold = await componentEngine({ freshlyLoaded: true });
    // Start the blocking host thread first (with Lua, quick to compile), so only Ruby's start comes before the calls.
    expect(await cold.run(job("lua", "function main() kiln.kv.set('warm', '1') end", { grants }))).toMatchObject({ ok: true });
    const out = await cold.run(job("ruby", "def main\n  Kiln::KV.set('k', 'v')\n  Kiln::KV.get('k')\nend", { grants, limits: { timeoutMs: 1000 } }));
    expect(out).toMatchObject({ ok: true, result: "v", usage: { start: "fresh" } });
  });
});
