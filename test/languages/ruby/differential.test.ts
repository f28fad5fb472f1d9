/**
 * Ruby, differentially: each program runs under the reference interpreter (`ruby program.rb`, Debian
 * bookworm's Ruby 3.1 in CI) and in Kiln (ruby.wasm 3.4 on the component engine, in process); stdout
 * must be the same bytes, and both must succeed, or both fail (the native exit status as expected)
 * where the program fails. Programs print only what Ruby 3.1 and 3.4 print alike: no Hash#inspect
 * (3.4 writes `{"a" => 1}` and `{a: 1}`, 3.1 `{"a"=>1}` and `{:a=>1}`), no error messages that quote
 * a method (3.4 writes 'name', 3.1 `name'), no Encoding#inspect of binary (3.4 `#<Encoding:BINARY
 * (ASCII-8BIT)>`), and no sort whose keys tie (Debian's 3.1 sorts through
 * glibc's stable merge sort, ruby.wasm through Ruby's own quicksort; Ruby promises neither order).
 */
import { describe, expect, it } from "vitest";
import { hasInterpreter, runNative, useKiln } from "../../helpers/differential.ts";
import { job } from "../../helpers/fixtures.ts";

/** [what, program, the native exit status when the program fails (it must fail in Kiln too)] */
type Program = [string, string, number?];

const programs: Program[] = [
  ["puts, print and p of strings, symbols, nil and nested arrays", `puts "plain", :sym, nil, [1, [2, [nil, "x"]]], []
print "a", "b", nil, 1, "\\n"
p "quote\\"s", 'é日本', "\\e\\t\\u0000", :sym, :"odd sym", nil, true, [1, :a, "s", nil, 2.0]
x = p
y = p 1, 2
p x, y
$stdout.write("w", 1, "\\n")
putc "xyz"
putc 10
printf("%s-%d\\n", "f", 7)`],
  ["floats", `p 0.1 + 0.2, 1e20, 1e15, 1e16, 1e-4, 1e-5, -0.0, 100.0, 2.0 ** 70, 1.0 / 3
p Float::INFINITY, -Float::INFINITY, Float::NAN.nan?, Float::MAX, Float::MIN, Float::EPSILON, 0.0 == -0.0, 1 / -0.0
puts 1e20, 1.5e300 * 1e10, 12.345.round(2), 2.5.round, 3.5.round, 2.5.round(half: :even), -2.5.round, 1234.5678.floor(-2), 1234.5678.ceil(1)
p 10.0.to_i, 7.fdiv(2), 7 / 2.0, -7.5.truncate, 1e2.to_i, 0.1 * 3, (0.1 * 3).round(15), 3.14.divmod(1), 2 ** -2, 4 ** 0.5`],
  ["integer bignums", `a = 2 ** 100
p a, -a, a * a, a / 7, a % 1000007, a.to_s(16), a.digits.size, a.bit_length, Integer.sqrt(10 ** 40)
p (1..30).reduce(:*), 12345678901234567890 * 98765432109876543210, 3.pow(200, 10 ** 9 + 7), -(2 ** 70) / 3, -(2 ** 70) % 3
p 2 ** 64 - 1, (2 ** 64).class, 10 ** 20 == 1e20, 255.to_s(2), "ff".hex, "0b101".to_i(0), 120.gcd(84), 120.lcm(84), -7 / 2, -7 % 3, 7.divmod(-2)`],
  ["format and sprintf", `puts format("%d|%5d|%-5d|%05d|%+d|%x|%X|%o|%b|%#x|%#o", 42, 42, 42, 42, 42, 255, 255, 8, 5, 255, 8)
puts format("%.3f|%10.4f|%-10.2f|%e|%.2e|%g|%g|%g", 3.14159, 2.71828, 1.5, 12345.678, 0.000123, 1e-10, 123456789.0, 0.5)
puts format("%s|%10s|%-10s|%.2s|%p|%c|%c|%%", "kiln", "r", "l", "abc", nil, 65, "z")
puts format("%<a>s and %<b>05.1f", a: "named", b: 3.14159), format("%{x}-%{y}", x: 1, y: 2), "%s=%d" % ["n", 5], "%.10f" % (1.0 / 3)
puts sprintf("%08.3f|% d|%+.2e|%*d|%-*d|", -3.14159, 5, -1234.5, 6, 42, 4, 7)`],
  ["string methods", `s = "  Hello, Kiln World!  "
p s.strip, s.lstrip, s.rstrip, s.upcase, s.downcase, s.swapcase, s.strip.capitalize, s.length, s.reverse
p s.split, s.split(","), "a,b,,c,,".split(","), "a,b,,c,,".split(",", -1), "abc".chars, s.index("Kiln"), s.count("l"), s.sub("l", "L"), s.gsub("l") { |m| m.upcase }
p "ab" * 3, "abc".center(9, "*"), "abc".ljust(6, "."), "abc".rjust(6), "snake_case_word".split("_").map(&:capitalize).join, "Hello"[1..3], "Hello"[-3..], "Hello"[10]
p "a-b_c d".tr("-_", "  "), "hello".delete("l"), "aaabbb".squeeze, "hello world".scan(/o./), "x1y22z333".scan(/\\d+/).map(&:to_i), "title case".start_with?("ti"), "abc".succ, "az".next, "zz".succ
p "%-5s|" % "ab", "line1\\nline2\\r\\nline3".lines, "  x ".strip.empty?, "CamelCaseString".gsub(/([A-Z])/) { "_" + $1.downcase }, "ruby" <=> "rubx", "abc".each_char.to_a, "über".upcase, "ÄÖÜ".downcase`],
  ["each, map, select, reduce and each_with_index", `a = [5, 3, 8, 1, 9, 2]
a.each { |x| print x, " " }
puts
p a.map { |x| x * 2 }, a.select(&:even?), a.reject(&:even?), a.reduce(:+), a.reduce(10) { |s, x| s + x }, a.inject { |m, x| m > x ? m : x }
a.each_with_index { |x, i| print "#{i}:#{x} " }
puts
p a.each_with_index.map { |x, i| x * i }, a.map.with_index(1).to_a, a.each_slice(4).to_a, a.each_cons(3).first(2), a.partition { |x| x > 4 }
p a.sort, a.sort.reverse, a.min, a.max, a.minmax, a.sum, a.take_while { |x| x > 2 }, a.drop_while { |x| x > 2 }, a.find { |x| x > 5 }, a.find_index(8), a.filter_map { |x| x * 10 if x.odd? }
p a.flat_map { |x| [x, -x] }.first(4), a.each_with_object([]) { |x, acc| acc.unshift(x) }, a.count(&:odd?), a.all?(Integer), a.any? { |x| x > 8 }, a.none?(&:zero?), a.sum { |x| x.to_f / 2 }`],
  ["zip, group_by, tally and sort_by", `names = %w[carol alice bob dave eve]
ages = [35, 30, 25, 40]
p names.zip(ages), names.zip(ages, [1, 2]), ages.zip(names).to_h.keys
g = names.group_by(&:size)
g.each { |k, v| puts "#{k}: #{v.join(",")}" }
t = "mississippi".chars.tally
t.each { |k, v| puts "#{k}=#{v}" }
p t.sort_by { |k, v| [-v, k] }, names.sort_by { |n| [-n.size, n] }, names.sort_by(&:reverse), names.max_by(&:size), names.min_by(2) { |n| n.getbyte(0) }
p names.each_with_index.sort_by { |n, i| -i }.map(&:first), names.chunk_while { |a, b| a.size == b.size }.to_a, names.slice_when { |a, b| a > b }.to_a, names.uniq { |n| n.size }`],
  ["hash ordering", `def show(h) = "{" + h.map { |k, v| "#{k.inspect}=>#{v.inspect}" }.join(", ") + "}"
h = { "b" => 1, "a" => 2, c: 3 }
h["z"] = 4
h.delete("b")
h["b"] = 5
puts show(h), h.keys.inspect, h.values.inspect, h.to_a.inspect, h.size
puts show(h.sort_by { |k, v| -v }.to_h), show(h.select { |k, v| v.odd? }), show(h.transform_values { |v| v * 10 }), show(h.merge({ c: 0, "new" => 1 }) { |key, old, new| old + new })
counts = Hash.new(0)
"the quick the lazy the end".split.each { |w| counts[w] += 1 }
puts show(counts), counts.max_by { |k, v| v }.inspect, counts.fetch("nope", "default"), counts["nope"], counts.key?("nope")
lists = Hash.new { |hash, k| hash[k] = [] }
[[:x, 1], [:y, 2], [:x, 3]].each { |k, v| lists[k] << v }
puts show(lists), show(h.invert), h.min_by { |k, v| v }.inspect, h.sum { |k, v| v }, h.count { |k, v| v > 2 }, h.dig(:c), show(h.reject { |k, _| k.is_a?(Symbol) }), show({ b: 1, a: 2 }.sort.to_h)
begin
  h.fetch(:missing)
rescue KeyError => e
  puts e.class, e.key.inspect
end`],
  ["Struct", `Point = Struct.new(:x, :y) do
  def dist = Math.sqrt(x * x + y * y)
  def to_s = "(#{x}, #{y})"
end
a = Point.new(3, 4)
b = Point.new(3, 4)
p a, a.dist, a == b, a.eql?(b), a.equal?(b), a.to_a, Point.members, a.x, a[1], a["y"]
puts a
a.x = 10
p a, a.to_h.to_a, Point.new(1), a.values_at(0, 1)
x, y = *a
p x + y
Pair = Struct.new(:left, :right, keyword_init: true)
pr = Pair.new(left: 1, right: 2)
p pr, pr.left, pr.to_h.keys
p [Point.new(2, 1), Point.new(1, 2), Point.new(1, 1)].sort_by(&:to_a)`],
  ["Comparable and Enumerable in user classes", `class Version
  include Comparable
  attr_reader :parts
  def initialize(s) = @parts = s.split(".").map(&:to_i)
  def <=>(other) = parts <=> other.parts
  def to_s = parts.join(".")
end
vs = %w[1.10.0 1.2.3 1.2.10 0.9].map { |s| Version.new(s) }
puts vs.sort.join(" "), vs.max, vs.min, Version.new("1.2") < Version.new("1.10"), Version.new("1.5").between?(vs.min, vs.max), Version.new("3.0").clamp(vs.min, vs.max)
class Countdown
  include Enumerable
  def initialize(n) = @n = n
  def each
    n = @n
    while n > 0
      yield n
      n -= 1
    end
    self
  end
end
c = Countdown.new(6)
p c.to_a, c.map { |x| x * x }, c.select(&:even?), c.sort, c.min, c.max, c.sum, c.include?(3), c.first, c.first(2), c.each_slice(4).to_a, c.min_by { |x| (x - 3).abs }
p c.reduce(:*), c.sort_by { |x| -x }.take(2), c.each_with_index.to_a.last, c.lazy.map { |x| x * 3 }.select(&:even?).first(2), c.zip(c.to_a.reverse).first, c.tally.size, c.minmax, c.entries.size, c.chunk(&:even?).to_a.size`],
  ["method_missing and respond_to_missing?", `class Ghost
  def method_missing(name, *args, &block)
    if name.to_s.start_with?("get_")
      "got #{name.to_s.delete_prefix("get_")} #{args.inspect}#{block ? " " + block.call.to_s : ""}"
    else
      super
    end
  end
  def respond_to_missing?(name, include_private = false) = name.to_s.start_with?("get_") || super
end
g = Ghost.new
puts g.get_name, g.get_x(1, 2), g.get_y { 42 }, g.respond_to?(:get_z), g.respond_to?(:other)
m = g.method(:get_w)
puts m.call(7)
begin
  g.other_thing
rescue NoMethodError => e
  puts e.class, e.name.inspect, e.args.inspect
end
class Recorder < BasicObject
  def initialize = @calls = []
  def method_missing(name, *args) = (@calls << [name, args]; self)
  def calls = @calls
end
r = Recorder.new
puts r.a.b(1).c(2, 3).calls.inspect`],
  ["blocks, procs and lambdas: arity, returns and closures", `def yielder
  r = yield 1, 2
  "yield gave #{r.inspect}; block_given? #{block_given?}"
end
puts yielder { |a, b| a + b }, yielder { |a| a }, yielder { |*a| a }
p proc { |a, b| }.arity, proc { |*a| }.arity, proc { |a, b = 1| }.arity, lambda { |a, b| }.arity, lambda { |a, b = 1| }.arity, lambda { |*a, b| }.arity, proc { || }.arity, proc { }.arity, -> (k:) {}.arity
p proc { |a, b| [a, b] }.call(1), proc { |a, b| [a, b] }.call([3, 4]), proc { |a| a }.call(1, 2), lambda { |a, b| [a, b] }.call(5, 6), proc {}.lambda?, lambda {}.lambda?
p lambda { |a, b = 2, *c, d:, e: 5, **f, &g| }.parameters
begin
  lambda { |a, b| }.call(1)
rescue ArgumentError => e
  puts "lambda is strict: #{e.class}"
end
def proc_return = ([1, 2, 3].each { |x| return x * 10 if x == 2 }; :never)
def lambda_return = (l = -> { return :from_lambda }; l.call; :after_lambda)
p proc_return, lambda_return
counter = 0
inc = -> { counter += 1 }
3.times { inc.() }
add = ->(a, b) { a + b }
p counter, add.curry[1][2], add.to_proc.call(3, 4), %w[a b].map(&:upcase), [1, 2].map(&10.method(:+)), (add >> ->(x) { x * 2 }).call(1, 2), method(:puts).arity
def takes_block(&b) = b
p takes_block { |x| x }.class, takes_block.nil?, [[1, [2, 3]]].map { |a, (b, c)| a + b + c }`],
  ["exceptions: retry, ensure, else and custom classes", `class AppError < StandardError
  def initialize(msg = "app failed") = super
end
class DbError < AppError
  attr_reader :code
  def initialize(code) = (@code = code; super("db error #{code}"))
end
attempts = 0
begin
  attempts += 1
  raise DbError.new(attempts) if attempts < 3
  puts "succeeded after #{attempts}"
rescue DbError => e
  puts "retry #{e.message} (#{e.code})"
  retry
ensure
  puts "ensure ran"
end
def risky(n)
  raise ArgumentError, "negative" if n < 0
  raise AppError if n == 0
  n
rescue ArgumentError => e
  "rescued #{e.message}"
else
  "fine #{n}"
ensure
  puts "ensure for #{n}"
end
puts risky(-1), risky(5)
begin
  risky(0)
rescue AppError => e
  puts "#{e.class}: #{e.message} #{e.is_a?(StandardError)} #{DbError.ancestors.take(3).inspect}"
end
begin
  begin
    raise "inner"
  rescue => e
    raise AppError, "outer"
  end
rescue => e
  puts e.message, e.cause.message, e.cause.class
end
x = Integer("42") rescue -1
y = Integer("4x2") rescue -1
p x, y
def ensure_order
  yield
ensure
  puts "method ensure"
end
[1, 2].each { |i| ensure_order { next if i == 1; puts "body #{i}" } }
e = RuntimeError.new("made")
p e.message, e.backtrace, (raise e rescue $!.equal?(e))`],
  ["catch and throw", `r = catch(:done) do
  10.times do |i|
    10.times do |j|
      throw :done, [i, j] if i * j == 12
    end
  end
  :never
end
p r
p catch(:x) { 42 }, catch(:x) { throw :x }, catch { |tag| throw tag, "anonymous" }
def deep(n) = n.zero? ? throw(:deep, "bottom") : deep(n - 1)
p catch(:deep) { deep(50) }
begin
  throw :nobody
rescue UncaughtThrowError => e
  p e.class, e.tag
end
p catch(:outer) { catch(:inner) { throw :outer, "skipped inner" }; "not here" }`],
  ["freeze and frozen errors", `s = "abc".freeze
begin
  s << "d"
rescue FrozenError => e
  puts e.class, e.message, e.receiver.equal?(s)
end
a = [1, 2].freeze
begin
  a << 3
rescue => e
  puts e.class, e.message
end
h = { k: "v" }.freeze
begin
  h[:x] = 1
rescue FrozenError => e
  puts e.class
end
p :sym.frozen?, 1.frozen?, nil.frozen?, "lit".dup.frozen?, s.dup.frozen?, s.clone.frozen?, s.clone(freeze: false).frozen?, a.map { |x| x * 2 }.frozen?, h[:k].frozen?
Obj = Struct.new(:v)
o = Obj.new(1).freeze
begin
  o.v = 2
rescue FrozenError => e
  puts "struct #{e.class}"
end
CONST = %w[a b].freeze
p CONST.frozen?, CONST.first.frozen?, CONST.map(&:upcase)`],
  ["heredocs", `name = "Kiln"
text = <<~EOS
  Hello, #{name}!
    indented line
  Sum: #{1 + 2}
EOS
puts text
raw = <<~'RAW'
  no #{interpolation} here\\n
RAW
puts raw
old = <<-OLD
    keeps indentation
    OLD
puts old
p <<~A.lines.map(&:strip), <<~B.upcase
  one
  two
A
  three
B
def show(a, b) = puts("#{a.strip}|#{b.strip}")
show(<<~X, <<~Y)
  first
X
  second
Y
END_MARKER = <<~END
  a heredoc ended by END
END
puts END_MARKER`],
  ["Rational and Complex", `r = Rational(3, 4)
p r, r + Rational(1, 4), r * 2, r / 3, 1/3r + 1/6r, r.numerator, r.denominator, r.to_f, 0.75.to_r, 0.1.rationalize(Rational(1, 100)), Rational("2/6"), 3.to_r, r ** 2, (1/3r).round(2), r <=> 0.7
c = Complex(1, 2)
p c, c * Complex(3, 4), c + 1, c.conjugate, c.abs2, Complex(3, 4).abs, Complex("1+2i"), 2i * 2i, c.real, c.imaginary, c == Complex(1, 2), Complex(1.5, -0.5), c.rectangular, Complex(1, 0) == 1
puts r, c, Rational(-5, 10), Complex(0, -1), 1.quo(3), 2 ** Rational(1, 2), Rational(7, 2).floor, Rational(7, 2).ceil, Rational(-7, 2).truncate, Rational(5, 2).round`],
  ["string encodings and bytes", `s = "héllo wörld ✓"
p s.encoding, s.length, s.bytesize, s.bytes.first(4), s.valid_encoding?, s.ascii_only?, "abc".ascii_only?
b = s.b
p b.encoding.name, b.length, b[1], b[1..2].force_encoding("UTF-8"), s.byteslice(0, 2), s.unpack("U*").first(3), [104, 233].pack("U*"), s.codepoints.last
bad = "ab\\xffcd"
p bad.valid_encoding?, bad.scrub("?"), bad.bytes, "日本".encode("UTF-16LE").bytes, "日本".encode("UTF-16BE").bytesize, "Straße".encode("ISO-8859-1").bytes.last(3)
p "é".unicode_normalize(:nfd).bytes, "e\\u0301".unicode_normalize(:nfc), "caf\\u00e9" == "café", "%c" % 0x1F600, "\\u{1F600}".bytes, [0xe2, 0x9c, 0x93].pack("C*").force_encoding("UTF-8"), "abc".sum, "ab".unpack1("H*"), ["616263"].pack("H*")
begin
  "é".encode("US-ASCII")
rescue => e
  p e.class
end
p "é".encode("US-ASCII", undef: :replace), "é".encode("US-ASCII", fallback: { "é" => "e" }), "\\xE9".force_encoding("ISO-8859-1").encode("UTF-8"), s.each_grapheme_cluster.count, s.chars.last(2)`],
  ["Set", `require "set"
s = Set[3, 1, 2]
t = Set.new([2, 3, 4])
p s, s | t, s & t, s - t, s ^ t, s.include?(2), s.subset?(Set[1, 2, 3, 4]), s.superset?(Set[1]), s.disjoint?(Set[9]), s.size
s << 2 << 5
s.delete(1)
p s, s.to_a.sort, s.map { |x| x * 2 }.class, s.sort, s.min, s.sum, s.group_by(&:odd?).keys, s == Set[5, 3, 2], s.frozen?, Set.new("hello".chars).size
p [1, 2, 2, 3].to_set, s.select(&:odd?), s.each_slice(2).to_a, Set[[1, 2]].include?([1, 2]), s.add?(3), s.add?(7).class`],
  ["case/in pattern matching", `def describe(v)
  case v
  in Integer => n if n > 100 then "big #{n}"
  in Integer | Float => n then "number #{n}"
  in String => s unless s.empty? then "string #{s}"
  in [] then "empty array"
  in [x] then "one #{x}"
  in [Integer => a, Integer => b] then "two ints #{a + b}"
  in [first, *rest] then "first #{first} rest #{rest.size}"
  in { name: String => name, age: Integer => age } if age >= 18 then "adult #{name}"
  in { name: String => name } then "person #{name}"
  in { type: :circle, r: } then "circle #{r}"
  in nil then "nil"
  else "other #{v.inspect}"
  end
end
[150, 7, 2.5, "hi", "", [], [9], [1, 2], [1, "a", :b], { name: "Ann", age: 30 }, { name: "Kid", age: 9 }, { type: :circle, r: 2 }, nil, :sym].each { |v| puts describe(v) }
expected = 5
case [5, 6]
in [^expected, y] then puts "pinned #{y}"
end
config = { db: { user: "admin", port: 5432 }, mode: "dev" }
config => { db: { user:, port: } }
puts user, port
puts "dev mode" if config in { mode: "dev" }
puts "not a string" unless 1 in String
class Pt
  attr_reader :x, :y
  def initialize(x, y) = (@x, @y = x, y)
  def deconstruct = [x, y]
  def deconstruct_keys(keys) = { x: x, y: y }
end
case Pt.new(1, 2)
in { x: 1, y: } then puts "keys y=#{y}"
end
case Pt.new(3, 4)
in [a, b] then puts "array #{a},#{b}"
end
case [1, [2, [3, 4]]]
in [_, [_, [_, last]]] then puts "nested #{last}"
end
begin
  case 42
  in String then 1
  end
rescue NoMatchingPatternError => e
  puts e.class
end`],
  ["top-level return", `def helper = "helper defined before the return"
puts "before"
[1, 2, 3].each do |i|
  puts "item #{i}"
  return if i == 2
end
puts "after the return: never printed"`],
  ["top-level return through ensure", `begin
  puts "in begin"
  return
ensure
  puts "ensure still runs"
end
puts "not reached"`],
  ["at_exit and END ordering", `at_exit { puts "at_exit 1 (registered first, runs last)" }
END { puts "END 1" }
puts "body starts"
at_exit do
  puts "at_exit 2"
  at_exit { puts "registered inside at_exit 2: runs next" }
end
3.times { |i| END { puts "END in a loop runs once: #{i}" } }
def register(tag) = at_exit { puts "from a method: #{tag}" }
register(:a)
register(:b)
s = <<~END
  a heredoc that says END
END
puts s
puts "body ends"`],
  ["at_exit returns its proc; Kernel.at_exit and exit! from a handler", `pr = at_exit { puts "registered first: skipped by exit!" }
Kernel.at_exit { puts "via Kernel.at_exit"; $stdout.flush; exit! 1 }
at_exit { puts "runs first" }
p pr.class, pr.lambda?, pr.arity
puts "body"`, 1],
  ["at_exit after exit", `at_exit { puts "handler after exit" }
puts "before exit"
exit
puts "never"`],
  ["at_exit after a top-level return", `at_exit { puts "handler after return" }
puts "before return"
return
puts "never"`],
  ["object printing: inspect, to_s and custom", `class Plain; end
class Named
  def initialize(n) = @n = n
  def to_s = "Named(#{@n})"
  def inspect = "#<Named #{@n}>"
end
n = Named.new(1)
puts n, [n].inspect, "#{n}"
p n, [n, [n]]
p Plain.new.to_s.start_with?("#<Plain"), Plain.name, Named.instance_methods(false).sort, Comparable.instance_method(:clamp).owner, 1.class.ancestors.include?(Comparable)
p 1..5, (1...5).to_a, ("a".."e").step(2).to_a, 1.step(10, 3).to_a, 10.downto(7).to_a, (1..Float::INFINITY).lazy.map { |x| x * 2 }.first(3), (1..10) === 5, (1..).first(2)
p :a <=> :b, nil.to_a, nil.to_s, nil.inspect, [nil, false].compact, [3, nil, 1].compact.sort, [[1, 2], [3, 4]].to_h { |a, b| [b, a] }.to_a`],
  ["array methods", `a = [3, 1, 4, 1, 5, 9, 2, 6]
p a.uniq, a.sort.uniq, a.rotate(2), a.sample(random: Random.new(1)).class, a.each_slice(3).map(&:sum), a.combination(2).count, a.permutation(2).first(3), [1, 2].product([3, 4])
p a.first(3), a.last(2), a[1..3], a[-2..], a.values_at(0, 2, 9), a.dig(0), a.index(1), a.rindex(1), a.include?(9), a.tally.to_a, a.flatten, [[1, [2]], [3]].flatten(1)
b = a.dup
b.push(7).unshift(0)
b.insert(2, :x)
b.delete(:x)
b.delete_at(0)
p b, b.pop, b.shift, b, b.compact, b.fill(0, 5), Array.new(3) { |i| i * i }, Array.new(2, "x"), [1, 2] + [3], [1, 2, 2] - [2], [1, 2] & [2, 3], [1, 2] | [2, 3], [[1, 2], [3, 4]].transpose
p a.sum.fdiv(a.size), a.minmax, a.sort { |x, y| y <=> x }, a.cycle.first(10), a.each_with_index.max[1], [1, [2, [3]]].to_s, a.join("-"), a.pack("C*").bytes.size, %w[x y z].each_with_index.to_h.to_a, a.bsearch { |x| x >= 4 }`],
  ["Random with a fixed seed", `r = Random.new(42)
p 5.times.map { r.rand(100) }, r.rand.round(6), r.bytes(4).bytes, Random.new(7).rand(1.0..2.0).round(6)
p [1, 2, 3, 4, 5].shuffle(random: Random.new(3)), (1..10).to_a.sample(3, random: Random.new(9))
srand(1234)
p rand(1000), rand(1000), Random.rand(1000)`],
  ["regexps and MatchData", `m = /(?<year>\\d{4})-(?<month>\\d{2})/.match("date: 2024-03-15")
p m[0], m[:year], m["month"], m.pre_match, m.post_match, m.names, m.captures, m.begin(0), m.named_captures.to_a
p "a1b22c333" =~ /\\d+/, $~[0], $1, "foo bar baz".gsub(/(\\w+)/) { $1.capitalize }, "a,b;c d".split(/[,; ]/), "hello"[/l+/], "test123abc" !~ /xyz/
p "2024-03-15".sub(/(\\d+)-(\\d+)-(\\d+)/, '\\\\3/\\\\2/\\\\1'), "aaa".gsub(/a/, "a" => "b"), "CamelCase".scan(/[A-Z][a-z]+/), "x".match?(/X/i), /a.c/m.match?("a\\nc"), Regexp.escape("a.b*c"), Regexp.union("a", /b+/).source
"k1=v1; k2=v2".scan(/(\\w+)=(\\w+)/) { |k, v| print k, "->", v, " " }
puts`],
  ["define_method, send, instance variables and modules", `module Greeter
  def greet = "hello from #{self.class.name.downcase} #{name}"
end
module Loud
  def greet = super.upcase + "!"
end
class Person
  include Greeter
  prepend Loud
  attr_accessor :name
  def initialize(name) = @name = name
  %w[walk run].each { |verb| define_method("#{verb}!") { |far = 1| "#{name} #{verb}s #{far}" } }
  def self.create(*names) = names.map { |n| new(n) }
  protected def secret = 42
  private def hidden = "hidden"
end
p Person.ancestors.take(4), Person.new("ann").greet, Person.new("bo").run!(3), Person.new("cy").walk!
p Person.new("di").send(:hidden), Person.new("ed").public_send(:name), Person.instance_method(:greet).owner, Person.create("a", "b").map(&:name)
x = Person.new("fay")
x.instance_variable_set(:@name, "gus")
p x.instance_variables, x.name, x.respond_to?(:hidden), x.respond_to?(:hidden, true), Person.private_method_defined?(:hidden), x.frozen?
o = Object.new
def o.single = "singleton"
p o.singleton_methods, o.single, Person.method_defined?(:walk!), Person.public_method_defined?(:secret)
class Person
  def to_s = "Person(#{name})"
end
puts x, Comparable.is_a?(Module), Person.is_a?(Class), Person.superclass, Person.new("z").is_a?(Greeter)`],
  ["an uncaught exception after some output", `puts "printed first"
$stdout.print "then this"
def fail_deep(n) = n.zero? ? raise(ArgumentError, "deep failure") : fail_deep(n - 1)
fail_deep(5)
puts "never"`, 1],
  ["at_exit handlers run when the script fails", `at_exit { puts "handler runs after the failure" }
puts "before failing"
raise "boom"`, 1],
  ["a failing at_exit handler fails the program; the others still run", `at_exit { puts "first registered, runs last" }
at_exit { puts "failing handler"; raise "handler boom" }
at_exit { puts "last registered, runs first" }
puts "body"`, 1],
  ["exit with a status", `at_exit { puts "handler" }
puts "exiting"
exit 2`, 2],
  ["a syntax error", `puts "never printed"
def broken(
  1 +`, 1],
];

describe.skipIf(!hasInterpreter("ruby", "ruby", "Ruby differential runs"))("Ruby in Kiln prints what ruby prints", () => {
  const sandbox = useKiln();

  it("has at least 30 programs", () => {
    expect(programs.length).toBeGreaterThanOrEqual(30);
  });

  for (const [what, code, status] of programs) {
    it(what, async () => {
      // runNative and a run in process both block this thread; one turn of the event loop per program
      // lets vitest's messages from the main process through.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const native = runNative("ruby", ["--disable-gems"], code, ".rb");
      expect(native.status, `ruby's exit status; stderr: ${native.stderr}`).toBe(status ?? 0);
      const kiln = await sandbox.run(job("ruby", code, { limits: { fuel: 1e9 } }));
      expect(kiln.ok, kiln.ok ? "" : kiln.error.message).toBe(status === undefined);
      expect(kiln.stdout).toBe(native.stdout);
    });
  }
});
