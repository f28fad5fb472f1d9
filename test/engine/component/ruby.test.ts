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
