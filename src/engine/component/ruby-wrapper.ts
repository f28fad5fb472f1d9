/**
 * Kiln's host for Ruby scripts: `Kiln::KV.get(key)`, `Kiln::Log.write(level, message)`, … Each call
 * goes out through \`JS.eval\` (which the prepared runtime turns into the host's \`call-json\`) and
 * returns the answer; a refused call raises `Kiln::HostError` with its `code`. Evaluated once per
 * instance while it starts, before the run's fuel budget applies.
 */
export const RUBY_PRELUDE = String.raw`require 'js'
module Kiln
  class HostError < StandardError
    attr_reader :code
    def initialize(text)
      @code, message = text.split(': ', 2)
      super(text)
    end
  end
  EVAL = JS.method(:eval)
  def self.call(name, *args)
    answer = begin
      EVAL.call(JSON.generate([name, args])).to_s
    rescue JS::Error => e
      raise HostError.new(e.message)
    end
    JSON.parse(answer, max_nesting: false)
  end
  module Log; def self.write(level, message) = Kiln.call('log.write', level, message); end
  module KV
    def self.get(key) = Kiln.call('kv.get', key)
    def self.set(key, value, ttl_ms = nil) = Kiln.call('kv.set', key, value, ttl_ms)
    def self.delete(key) = Kiln.call('kv.delete', key)
    def self.list(prefix, limit = nil) = Kiln.call('kv.list', prefix, limit)
  end
  module HTTP; def self.fetch(request) = Kiln.call('http.fetch', request); end
  module Secrets; def self.get(name) = Kiln.call('secrets.get', name); end
end`;

/**
 * The Ruby program Kiln evaluates around a script: the script runs at the top level under the file
 * name `script` (so its errors and line numbers are its own), then `main(input)` if it defines
 * `main`. Whatever happens, the program's value is a JSON envelope: `{"ok":true,"result":…}` or
 * `{"ok":false,"kind":"syntax"|"guest"|"memory","message":…,"line":…}`.
 */
export function wrapRuby(code: string, inputJson: string, seed = 0): string {
  return `srand(${Math.trunc(seed)})
begin
  __kiln_input = JSON.parse(${rubyString(inputJson)}, max_nesting: false)
  TOPLEVEL_BINDING.eval(${rubyString(code)}, "script", 1)
  __kiln_result = respond_to?(:main, true) ? (method(:main).arity == 0 ? main : main(__kiln_input)) : nil
  '{"ok":true,"result":' + JSON.generate(__kiln_result, max_nesting: false) + '}'
rescue NoMemoryError
  '{"ok":false,"kind":"memory"}'
rescue SyntaxError => e
  JSON.generate({ "ok" => false, "kind" => "syntax", "message" => "SyntaxError: #{e.message}", "line" => e.message[/\\Ascript:(\\d+):/, 1]&.to_i })
rescue SystemExit => e
  e.success? ? '{"ok":true,"result":null}' : JSON.generate({ "ok" => false, "kind" => "guest", "message" => "exit #{e.status}" })
rescue Exception => e
  line = (e.backtrace || []).find { |l| l.start_with?("script:") }&.[](/\\Ascript:(\\d+)/, 1)&.to_i
  JSON.generate({ "ok" => false, "kind" => "guest", "message" => "#{e.class}: #{e.message}", "line" => line })
ensure
  $stdout.flush rescue nil
  $stderr.flush rescue nil
end
`;
}

/** A double-quoted Ruby literal for any text: only printable ASCII stays as is; no interpolation. */
export function rubyString(text: string): string {
  let out = '"';
  for (const ch of text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd")) {
    const c = ch.codePointAt(0)!;
    out += c >= 0x20 && c < 0x7f && ch !== '"' && ch !== "\\" && ch !== "#" ? ch : `\\u{${c.toString(16)}}`;
  }
  return out + '"';
}
