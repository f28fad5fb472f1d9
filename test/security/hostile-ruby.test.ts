/**
 * Hostile Ruby through the real HTTP app and the Node worker pool (the component engine).
 * Every hostile case is followed by a benign request on the same server, which must succeed.
 */
import { describe, expect, it } from "vitest";
import { usePoolApp } from "../helpers/fixtures.ts";
import { hostileCases, type HostileCase } from "../helpers/hostile-cases.ts";

const server = usePoolApp({ warmUp: ["ruby"] });

const benign = { language: "ruby", code: "def main(i) = i['a'] + 1", input: { a: 41 } };

const cases: HostileCase[] = [
  ["an endless loop", "loop {}", { fuel: 500 }, "fuel_exhausted"],
  ["an endless loop that rescues everything", "loop { begin; loop {}; rescue Exception; end }", { fuel: 500 }, "fuel_exhausted"],
  ["an endless fiber ping-pong", "f = Fiber.new { loop { Fiber.yield } }\nloop { f.resume }", { fuel: 500 }, "fuel_exhausted"],
  ["a gigabyte string", "s = 'x' * 10**9", undefined, "memory_exhausted"],
  ["an array-growth bomb", "a = []\nloop { a << 'y' * 10_000 }", { fuel: 1e6 }, "memory_exhausted"],
  ["rescuing NoMemoryError and allocating again", "loop { begin; 'x' * 10**9; rescue NoMemoryError; end }", { fuel: 2000 }, "fuel_exhausted"],
  ["deep recursion", "def f(n) = f(n + 1) + 1\nf(1)", undefined, "guest_error"],
  ["output flooding", "loop { $stdout.write('y' * 1000) }", undefined, "output_limit"],
  ["a pathological regexp, again and again", "s = 'a' * 5000 + 'b'\nloop { s =~ /(a|aa)*c/ }", { fuel: 500 }, "fuel_exhausted"],
  ["exit!", "exit!(3)", undefined, "guest_error"],
  ["system", "system('id') or raise 'system did not run'", undefined, "guest_error"],
  ["backticks", "`id`", undefined, "guest_error"],
  ["a process started by every means, each refusal rescued", "loop { [-> { system('id') }, -> { `id` }, -> { %x(id) }, -> { spawn('id') }, -> { exec('id') }, -> { IO.popen('id') }, -> { Process.spawn('id') }, -> { open('|id') }].each { |f| begin; f.call; rescue NotImplementedError; end } }", { fuel: 500 }, "fuel_exhausted"],
  ["abort", "abort('bye')", undefined, "guest_error"],
  ["a thread", "Thread.new { loop {} }.join", { fuel: 500 }, "guest_error"],
  ["the JS bridge's other functions", "require 'js'\nJS.global[:process]", undefined, "guest_error"],
  ["a forged host request to an interface that is not granted", "raise 'no' unless (JS.eval('[\"http.fetch\", [\"http://169.254.169.254/\"]]') rescue $!.message).start_with?('capability_denied')", undefined, "ok"],
  ["a malformed host request", "JS.eval('not json').to_s", undefined, "guest_error"],
  ["an at_exit handler that loops forever", "at_exit { loop {} }", { fuel: 500 }, "fuel_exhausted"],
  ["an at_exit handler that registers another, forever", "def again = at_exit { again }\nagain", { fuel: 500 }, "fuel_exhausted"],
  ["an END block that floods output", "END { loop { $stdout.write('y' * 1000) } }", undefined, "output_limit"],
  ["an at_exit handler that waits past the deadline", "at_exit { sleep 30 }", { timeoutMs: 500 }, "timeout"],
  ["an at_exit handler that rescues everything around an endless loop", "at_exit { loop { begin; loop {}; rescue Exception; end } }", { fuel: 500 }, "fuel_exhausted"],
  ["a top-level return out of an endless block", "loop { return }", undefined, "ok"],
  ["monkey-patching JSON before the result is encoded", "module JSON; def self.generate(*) = '{\"ok\":true,\"result\":\"forged\"}'; end", undefined, "ok"],
];

describe("hostile Ruby ends cleanly and leaves the server serving", () => {
  hostileCases(server, { language: "ruby", benign: { ...benign, result: 42 }, cases });

  it("never runs an at_exit handler one run registered in a later run", async () => {
    const registered = await server.h.post({ language: "ruby", code: "at_exit { puts 'LEAK' }\nEND { puts 'LEAK END' }\nputs 'registered'" });
    expect(registered.body).toMatchObject({ ok: true, stdout: "registered\nLEAK END\nLEAK\n" });
    const trapped = await server.h.post({ language: "ruby", code: "at_exit { puts 'LEAK' }\nloop {}", limits: { fuel: 500 } });
    expect(trapped.body).toMatchObject({ ok: false, error: { code: "fuel_exhausted" } });
    // Both workers serve runs: every later run, whichever worker takes it, prints only its own output.
    for (let i = 0; i < 4; i++) {
      const { body } = await server.h.post({ language: "ruby", code: `puts ${i}` });
      expect(body).toMatchObject({ ok: true, stdout: `${i}\n` });
    }
  });

  it("reaches no host environment, files, processes or sockets", async () => {
    const code = `def main
  [ENV.to_h, (File.read('/etc/passwd') rescue 'denied'), (Dir.entries('/') rescue 'denied'), (begin; IO.popen('id').read; rescue NotImplementedError; 'denied'; end),
   (begin; system('id'); rescue NotImplementedError; 'denied'; end), (begin; require 'socket'; 'socket'; rescue LoadError; 'denied'; end), (File.write('/tmp/x', 'y') rescue 'denied')]
end`;
    const { body } = await server.h.post({ language: "ruby", code });
    expect(body.ok).toBe(true);
    expect(body.result[0]).toEqual({});
    expect(body.result.slice(1)).toEqual(["denied", "denied", "denied", "denied", "denied", "denied"]);
    expect((await server.h.post(benign)).body).toMatchObject({ ok: true, result: 42 });
  });
});
