/**
 * Ruby's conformance fixtures: the behaviours every language shows (test/languages/cases.ts
 * says what each one must do). test/languages/every-language.test.ts runs them for every language in
 * languages/index.ts, so a new language's folder needs its own.
 */
import { rubyModuleName, rubyName, rubyString } from "./binding.ts";

/** A JSON value as a Ruby expression. */
const rubyLiteral = (value: unknown): string => (value === null ? "nil" : typeof value === "string" ? rubyString(value) : `JSON.parse(${rubyString(JSON.stringify(value))})`);

export const cases = {
  greet: `def main(i) = "hi " + i["name"]`,
  greetAgain: `def main(i) = "hello " + i["name"]`,
  counter: `Kiln::KV.set("top", "ran")
def main(i)
  n = (Kiln::KV.get("count") || "0").to_i + 1
  Kiln::KV.set("count", n.to_s)
  n
end`,
  clock: `def main(i)
  t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  x = 0
  300000.times { |k| x += k }
  [Time.now.to_f, Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0]
end`,
  syntaxError: `a = 1\nb = = 2`,
    // Prism's first complaint: "expected an expression after `=`", at the first `=`.
  syntax: { line: 2, column: 3 },
  guestError: `def main(i)\n  x = 1\n  raise "boom #{x}"\nend`,
  hugeInteger: `def main(i) = 2 ** 64`,
  caughtHostError: `def main(i)
  Kiln::KV.get("a")
rescue Kiln::HostError => e
  [e.code, e.message]
end`,
  hostCalls: (calls: readonly { iface: string; fn: string; args: readonly unknown[] }[]) => `def attempt
  ["ok", yield]
rescue Kiln::HostError => e
  ["err", e.code]
end
def main(input)
  [
${calls.map((c) => `    attempt { Kiln::${rubyModuleName(c.iface)}.${rubyName(c.fn)}(${c.args.map(rubyLiteral).join(", ")}) },`).join("\n")}
  ]
end`,
  capabilities: `def main(input)
  Kiln::KV.set("greeting", "hi")
  value = Kiln::KV.get("greeting")
  denied = begin
    Kiln::HTTP.fetch("https://example.com/")
    nil
  rescue Kiln::HostError => e
    e.code
  end
  Kiln::Log.write("info", "capabilities ran")
  [value, denied]
end`,
  stdinAll: `def main(i) = STDIN.read`,
  stdinLines: `def main(i)
  lines = []
  while (line = gets)
    lines << line.chomp
  end
  lines
end`,
  stdinNumbers: `def main(i) = $stdin.read.split.sum(&:to_i)`,
  args: `def main(i) = ARGV`,
  importFiles: {
    code: `require_relative "util"
require "./lib/greeting"
def main(i) = [double(21), greet("ada")]`,
    files: [
      { name: "util.rb", content: `def double(n) = n * 2` },
      { name: "lib/greeting.rb", content: `require_relative "../util"\ndef greet(name) = "hi #{name} #{double(1)}"` },
    ],
  },
  importUtil: `require_relative "util"\ndef main(i) = double(21)`,
};
