import { SIGNATURE_TABLE } from "../../src/capabilities/wit.ts";
import { RUBY_LOAD_PATH } from "./libraries.ts";

/**
 * Interfaces whose name is an initialism: Ruby's constant is the name in capitals (`Kiln::KV`,
 * `Kiln::HTTP`); any other interface's is its name in PascalCase (`Kiln::Log`, `Kiln::Secrets`).
 */
const INITIALISMS = new Set(["kv", "http"]);

/** A WIT interface's name as a Ruby constant (Ruby needs a capital): see INITIALISMS. */
export function rubyModuleName(iface: string): string {
  return INITIALISMS.has(iface) ? iface.toUpperCase() : iface.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}

const RUBY_KEYWORDS = new Set(
  "BEGIN END alias and begin break case class def defined? do else elsif end ensure false for if in module next nil not or redo rescue retry return self super then true undef unless until when while yield".split(" "),
);

/** A WIT function's or parameter's name as a Ruby method or variable name: kebab-case in snake_case, a reserved word with a trailing `_`. */
export function rubyName(witName: string): string {
  const name = witName.replace(/-/g, "_");
  return RUBY_KEYWORDS.has(name) ? `${name}_` : name;
}

/**
 * The host's modules inside `module Kiln`, generated from the WIT signature table
 * (src/capabilities/wit.ts) when this file loads: `Kiln::<Interface>.<function>(...)` for every WIT
 * function, with the WIT's parameter names (in snake_case) in the WIT's order, the `option<…>` ones
 * at the end defaulting to nil. Each sends `"<interface>.<function>"` and its arguments to the host
 * through `Kiln.call`. Part of the prelude, so evaluated once per instance, before the snapshot.
 */
export function rubyKilnModules(signatures: Readonly<Record<string, Readonly<Record<string, { readonly name: string; readonly params: readonly string[]; readonly names: readonly string[] }>>>>): string {
  return Object.entries(signatures)
    .map(([iface, fns]) => {
      const defs = Object.entries(fns).map(([fn, sig]) => {
        const names = sig.names.map(rubyName);
        let optionalFrom = names.length;
        while (optionalFrom > 0 && sig.params[optionalFrom - 1]!.startsWith("option<")) optionalFrom--;
        const params = names.map((n, i) => (i >= optionalFrom ? `${n} = nil` : n)).join(", ");
        return `    def self.${rubyName(sig.name)}(${params}) = Kiln.call('${iface}.${fn}'${names.map((n) => `, ${n}`).join("")})`;
      });
      return `  module ${rubyModuleName(iface)}\n${defs.join("\n")}\n  end`;
    })
    .join("\n");
}

/**
 * Kiln's host for Ruby scripts: `Kiln::KV.get(key)`, `Kiln::Log.write(level, message)`, … (generated
 * by rubyKilnModules from the WIT). Each call
 * goes out through \`JS.eval\` (which the prepared runtime turns into the host's \`call-json\`) and
 * returns the answer; a refused call raises `Kiln::HostError` with its `code`. Evaluated once per
 * instance while it starts, before the run's fuel budget applies.
 */
export const RUBY_PRELUDE = String.raw`require 'js'
# The bundled gems Kiln offers (languages/ruby/libraries.ts): RubyGems is off, so they go on the load path.
${RUBY_LOAD_PATH}
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
${rubyKilnModules(SIGNATURE_TABLE)}

  # There are no processes: starting one raises NotImplementedError, as fork does, instead of
  # pretending it ran (system) or failing oddly (backticks).
  def self.no_processes(what) = raise(NotImplementedError, "#{what} is not supported: Kiln's sandbox runs no processes")

  # The handlers at_exit and END registered in this run (run by Kiln.run_at_exit when it ends), and the
  # END sites already met. Both are empty in the snapshot a warm instance is restored from, and cleared
  # when a run starts.
  AT_EXIT = []
  END_SITES = {}.compare_by_identity

  # Runs the block: [:ok, value], [:raised, exception], or [:returned] when a return left it without an
  # exception (the script's top-level return, or that of a proc whose home frame has ended): Ruby
  # unwinds such a return to the frame under everything, and the ensure's throw ends it here instead.
  def self.guard
    tag = Object.new
    outcome = nil
    catch(tag) do
      begin
        begin
          outcome = [:ok, yield]
        rescue Exception => e
          outcome = [:raised, e]
        end
      ensure
        throw tag unless outcome || $!
      end
    end
    outcome || [:returned]
  end

  # Runs what at_exit and END registered, newest first (one registered meanwhile runs next), as Ruby
  # does when a program ends; every one runs whatever the others did. The exceptions they raised, in
  # that order (a successful exit is none). A handler's return ends it, as in Ruby.
  def self.run_at_exit
    errors = []
    while (handler = AT_EXIT.pop)
      kind, error = guard { handler.call }
      if kind == :returned
        $stderr.puts "script: unexpected return"
      elsif kind == :raised && !(error.is_a?(SystemExit) && error.success?)
        errors << error
      end
    end
    errors
  end

  # The script with each END { … } renamed E__ { … } (the same length, so lines and columns stay): the
  # parser's keyword END followed by a brace, so a heredoc, string, symbol or method that says END is
  # left alone. (The lexer's tokens, not its tree: parse.y's tree drops an END that is the first of
  # several statements.) A script the parser refuses is left as it is: evaluating it reports the error.
  def self.with_end_blocks(code)
    verbose, $VERBOSE = $VERBOSE, nil
    tokens = RubyVM::AbstractSyntaxTree.parse(code, keep_tokens: true).all_tokens
    lines = nil
    tokens.each_with_index do |(_, type, _, (line, column)), i|
      next unless type == :keyword_END
      i += 1 while tokens[i + 1]&.[](1) == :tSP
      next unless tokens[i + 1]&.[](2) == "{"
      lines ||= code.b.lines
      lines[line - 1][column, 3] = "E__" if lines[line - 1]&.byteslice(column, 3) == "END"
    end
    lines ? lines.join.force_encoding(code.encoding) : code
  rescue StandardError, SyntaxError
    code
  ensure
    $VERBOSE = verbose
  end

  # The run's files (relative path => source) and the ones require_relative already loaded: empty in the
  # snapshot, and set when a run starts.
  FILES = {}
  LOADED = {}

  # The run's file that feature names from folder dir ("" is the script's): its path with ".rb", or as
  # given; nil when there is none (a path that climbs out of the files is none).
  def self.run_file(dir, feature)
    parts = dir.empty? ? [] : dir.split("/")
    feature.split("/").each do |part|
      next if part.empty? || part == "."
      if part == ".."
        return nil if parts.empty?
        parts.pop
      else
        parts << part
      end
    end
    name = parts.join("/")
    [name + ".rb", name].find { |n| FILES.key?(n) }
  end

  # Loads one of the run's files at the top level, as require does: once (false the next time).
  def self.load_run_file(name)
    return false if LOADED.key?(name)
    LOADED[name] = true
    RubyVM::InstructionSequence.compile(FILES[name], name, name, 1).eval
    true
  end

  # Whether a backtrace line is the script's or one of the run's files'.
  def self.own_frame?(line)
    line.start_with?("script:") || FILES.each_key.any? { |name| line.start_with?("#{name}:") }
  end

  # Runs a script as wrapRuby describes, and answers its JSON envelope. Defined here, before the
  # snapshot, so a run compiles only its own code.
  def self.run_script(code, input_json, call_main, end_blocks, args = [], files = {})
    AT_EXIT.clear
    END_SITES.clear
    ARGV.replace(args)
    FILES.replace(files)
    LOADED.clear
    top = TOPLEVEL_BINDING.receiver
    input = json = failure = nil
    code = with_end_blocks(code) if end_blocks
    kind, value = guard do
      input = JSON.parse(input_json, max_nesting: false)
      TOPLEVEL_BINDING.eval(code, "script", 1)
      nil
    end
    if kind == :raised
      failure = value
    elsif call_main && top.respond_to?(:main, true)
      main = top.method(:main)
      kind, value = guard { JSON.generate(main.arity == 0 ? main.call : main.call(input), max_nesting: false) }
      json = value if kind == :ok
      failure = value if kind == :raised
      failure = LocalJumpError.new("unexpected return") if kind == :returned
    end
    failure = nil if failure.is_a?(SystemExit) && failure.success?
    errors = run_at_exit
    failure ||= errors.shift
    errors.each { |error| $stderr.puts describe(error) }
    envelope(failure, json)
  ensure
    $stdout.flush rescue nil
    $stderr.flush rescue nil
  end

  # The envelope for a run that ended with failure (nil for none) and main's result as JSON text.
  def self.envelope(e, json)
    if e.nil?
      '{"ok":true,"result":' + (json || "null") + '}'
    elsif e.is_a?(NoMemoryError)
      '{"ok":false,"kind":"memory"}'
    elsif e.is_a?(SystemExit)
      JSON.generate({ "ok" => false, "kind" => "guest", "message" => "exit #{e.status}" })
    else
      frames = (e.backtrace || []).select { |l| own_frame?(l) }
      line = frames.find { |l| l.start_with?("script:") }&.[](/\Ascript:(\d+)/, 1)&.to_i
      if e.is_a?(SyntaxError) && frames.empty?
        JSON.generate({ "ok" => false, "kind" => "syntax", "message" => "SyntaxError: #{e.message}", "line" => e.message[/\Ascript:(\d+):/, 1]&.to_i })
      else
        frames = frames.first(10) + ["..."] + frames.last(11) if frames.size > 21
        JSON.generate({ "ok" => false, "kind" => "guest", "message" => "#{e.class}: #{e.message}", "line" => line, "stack" => frames.empty? ? nil : frames.join("\n") })
      end
    end
  end

  # An error as Ruby prints one that ends a program, with the script's frames only.
  def self.describe(error)
    frames = (error.backtrace || []).select { |l| own_frame?(l) }
    (["#{frames.first || "script"}: #{error.message} (#{error.class})"] + frames.drop(1).map { |f| "\tfrom #{f}" }).join("\n")
  end
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

  # require_relative from the script or one of the run's files loads the run's file it names (relative to
  # the requiring file's folder; ".rb" may be left out); require "./name" does the same from the top.
  private def require_relative(feature)
    location = caller_locations(1, 1).first
    from = location&.path.to_s
    if !Kiln::FILES.empty? && (from == "script" || Kiln::FILES.key?(from))
      dir = File.dirname(from)
      name = Kiln.run_file(dir == "." ? "" : dir, feature.to_str)
      return Kiln.load_run_file(name) if name
      raise LoadError, "cannot load such file -- #{feature}"
    end
    # Anything else (the standard library's own require_relative) resolves against its caller's folder, as
    # require_relative does: called from here, the original would resolve against this file instead.
    base = location&.absolute_path
    raise LoadError, "cannot infer basepath" if base.nil?
    __kiln_require(File.expand_path(feature.to_str, File.dirname(base)))
  end
  alias_method :__kiln_require, :require
  private :__kiln_require
  define_method(:require) do |feature|
    if !Kiln::FILES.empty? && feature.is_a?(String) && feature.start_with?("./", "../")
      name = Kiln.run_file("", feature)
      next Kiln.load_run_file(name) if name
    end
    __kiln_require(feature)
  end
  private :require

  # exit! ends the process without flushing Ruby's buffers: flush them first, so what was printed is kept.
  alias_method :__kiln_exit!, :exit!
  private :__kiln_exit!
  private def exit!(status = false)
    [STDOUT, STDERR, $stdout, $stderr].uniq.each { |io| io.flush rescue nil }
    __kiln_exit!(status)
  end
  define_singleton_method(:exit!) { |status = false| TOPLEVEL_BINDING.receiver.send(:exit!, status) }

  # at_exit and END register with Kiln, which runs the handlers when the run ends (Ruby would run them
  # when the process ends, which a warm instance never does).
  private def at_exit(&block)
    raise ArgumentError, "called without a block" unless block
    Kiln::AT_EXIT << block
    block
  end
  define_singleton_method(:at_exit) { |&block| TOPLEVEL_BINDING.receiver.send(:at_exit, &block) }

  # END { … } in the script (renamed by Kiln.with_end_blocks): registered the first time its site runs, as END is.
  private def E__(&block)
    site = RubyVM::InstructionSequence.of(block)
    Kiln::AT_EXIT << block unless Kiln::END_SITES.key?(site)
    Kiln::END_SITES[site] = true
    nil
  end
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
 * The Ruby program Kiln evaluates around a script (its work is the prelude's Kiln.run_script): the script runs at the top level under the file
 * name `script` (so its errors and line numbers are its own), then `main(input)` if it defines `main`
 * (not with `evaluateOnly`, a deploy-time check, whose result is null), then the handlers `at_exit`
 * and `END` registered, newest first, as Ruby runs them when a program ends. A top-level `return` ends
 * the top level quietly, as in Ruby, and `main` is still called if the script defined it before the
 * return. Whatever happens, the program's value is a JSON envelope: `{"ok":true,"result":…}` or
 * `{"ok":false,"kind":"syntax"|"guest"|"memory","message":…,"line":…,"stack":…}`, for the run's first
 * failure: the script's (its top level or main), else the first handler's (the others' go to stderr as
 * Ruby prints them). A SyntaxError is `syntax` only when it is the script's own (raised while
 * compiling it, so with none of its frames); one from `eval` in the script is `guest`. `stack` lists
 * the script's frames only (at most 10 innermost and 11 outermost), and those of the run's files. `args`
 * are `ARGV`; `files` (relative paths the host checked) are what `require_relative` and `require "./…"`
 * load. The run's stdin is on WASI's stdin (`STDIN`, `$stdin`, `gets` with no arguments).
 */
export function wrapRuby(code: string, inputJson: string, seed = 0, options: { evaluateOnly?: boolean; args?: readonly string[]; files?: readonly { name: string; content: string }[] } = {}): string {
  // Only a script that says END may have END blocks: the others are not parsed twice.
  const endBlocks = /\bEND\b/.test(code);
  const args = `[${(options.args ?? []).map((a) => rubyString(a)).join(", ")}]`;
  const files = `{${(options.files ?? []).map((f) => `${rubyString(f.name)} => ${rubyString(f.content)}`).join(", ")}}`;
  return `srand(${Math.trunc(seed)})
Kiln.run_script(${rubyString(code)}, ${rubyString(inputJson)}, ${!options.evaluateOnly}, ${endBlocks}, ${args}, ${files})
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
