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

  # There are no processes: starting one raises NotImplementedError, as fork does, instead of
  # pretending it ran (system) or failing oddly (backticks).
  def self.no_processes(what) = raise(NotImplementedError, "#{what} is not supported: Kiln's sandbox runs no processes")
end
module Kernel
  [[:system, "system"], [:spawn, "spawn"], [:exec, "exec"], ["\x60".to_sym, "running a command (backticks or %x)"]].each do |name, what|
    define_method(name) { |*, **| Kiln.no_processes(what) }
    private name
    define_singleton_method(name) { |*, **| Kiln.no_processes(what) }
  end
  alias_method :__kiln_open, :open
  private :__kiln_open
  private def open(path, *rest, **options, &block)
    Kiln.no_processes("open('|command')") if path.is_a?(String) && path.start_with?("|")
    __kiln_open(path, *rest, **options, &block)
  end

  # exit! ends the process without flushing Ruby's buffers: flush them first, so what was printed is kept.
  alias_method :__kiln_exit!, :exit!
  private :__kiln_exit!
  private def exit!(status = false)
    [STDOUT, STDERR, $stdout, $stderr].uniq.each { |io| io.flush rescue nil }
    __kiln_exit!(status)
  end
  define_singleton_method(:exit!) { |status = false| TOPLEVEL_BINDING.receiver.send(:exit!, status) }
end
Process.define_singleton_method(:exit!) { |status = false| TOPLEVEL_BINDING.receiver.send(:exit!, status) }
Process.define_singleton_method(:spawn) { |*, **| Kiln.no_processes("Process.spawn") }
Process.define_singleton_method(:exec) { |*, **| Kiln.no_processes("Process.exec") }
IO.define_singleton_method(:popen) { |*, **| Kiln.no_processes("IO.popen") }
IO.singleton_class.prepend(Module.new do
  %i[read write readlines foreach binread binwrite].each do |name|
    define_method(name) do |path, *rest, **options, &block|
      Kiln.no_processes("IO.#{name}('|command')") if equal?(IO) && path.is_a?(String) && path.start_with?("|")
      super(path, *rest, **options, &block)
    end
  end
end)`;

/**
 * The Ruby program Kiln evaluates around a script: the script runs at the top level under the file
 * name `script` (so its errors and line numbers are its own), then `main(input)` if it defines `main`
 * (not with `evaluateOnly`, a deploy-time check, whose result is null). Whatever happens, the
 * program's value is a JSON envelope: `{"ok":true,"result":…}` or `{"ok":false,"kind":"syntax"|"guest"|
 * "memory","message":…,"line":…,"stack":…}`. A SyntaxError is `syntax` only when it is the script's own
 * (raised while compiling it, so with none of its frames); one from `eval` in the script is `guest`.
 * `stack` lists the script's frames only (at most 10 innermost and 11 outermost).
 */
export function wrapRuby(code: string, inputJson: string, seed = 0, options: { evaluateOnly?: boolean } = {}): string {
  const callMain = options.evaluateOnly ? "nil" : "respond_to?(:main, true) ? (method(:main).arity == 0 ? main : main(__kiln_input)) : nil";
  return `srand(${Math.trunc(seed)})
begin
  __kiln_input = JSON.parse(${rubyString(inputJson)}, max_nesting: false)
  TOPLEVEL_BINDING.eval(${rubyString(code)}, "script", 1)
  __kiln_result = ${callMain}
  '{"ok":true,"result":' + JSON.generate(__kiln_result, max_nesting: false) + '}'
rescue NoMemoryError
  '{"ok":false,"kind":"memory"}'
rescue SystemExit => e
  e.success? ? '{"ok":true,"result":null}' : JSON.generate({ "ok" => false, "kind" => "guest", "message" => "exit #{e.status}" })
rescue Exception => e
  frames = (e.backtrace || []).select { |l| l.start_with?("script:") }
  line = frames.first&.[](/\\Ascript:(\\d+)/, 1)&.to_i
  if e.is_a?(SyntaxError) && frames.empty?
    JSON.generate({ "ok" => false, "kind" => "syntax", "message" => "SyntaxError: #{e.message}", "line" => e.message[/\\Ascript:(\\d+):/, 1]&.to_i })
  else
    frames = frames.first(10) + ["..."] + frames.last(11) if frames.size > 21
    JSON.generate({ "ok" => false, "kind" => "guest", "message" => "#{e.class}: #{e.message}", "line" => line, "stack" => frames.empty? ? nil : frames.join("\\n") })
  end
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
