/**
 * languages/ruby: the gems ruby.wasm packs that Kiln offers (languages/ruby/libraries.ts), each put to a real
 * use through POST /v1/run, with its result checked; three runs share the work. They run on a worker thread,
 * as served: loading several gems nests deeper than the native stack of the main thread allows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appWith, workerPool } from "../../helpers/fixtures.ts";
import type { WorkerPoolEngine } from "../../../src/adapters/node/worker-pool.ts";
import { RUBY_LIBRARIES } from "../../../languages/ruby/libraries.ts";

let pool: WorkerPoolEngine;
let h: Awaited<ReturnType<typeof appWith>>;
beforeAll(async () => {
  // The worker starts Ruby (V8 compiles its 30 MB module) before it takes the first run, as `npm start` does.
  pool = await workerPool({ size: 1, warmUp: { languages: ["ruby"], memoryMb: 128 } });
  h = await appWith(pool);
});
afterAll(async () => {
  await pool.close();
  expect(pool.threads).toBe(0);
});

/** Generous limits: loading csv, rexml and uri in one run costs a few thousand fuel units. */
const run = async (code: string, input: unknown = null) => {
  const res = await h.post({ language: "ruby", code, input, limits: { fuel: 50_000, timeoutMs: 30_000 } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.ok, JSON.stringify(res.body)).toBe(true);
  return res.body.result;
};

/** Which gems each run below requires: together they must be every offered gem. */
const USED = {
  formats: ["csv", "json", "psych", "rexml", "base64", "zlib", "digest", "stringio", "strscan", "erb"],
  structures: ["set", "matrix", "prime", "tsort", "ostruct", "forwardable", "delegate", "singleton", "observer", "mutex_m", "weakref", "abbrev"],
  misc: ["date", "time", "uri", "shellwords", "optparse", "getoptlong", "logger", "pp", "prettyprint", "securerandom", "benchmark", "english"],
};

describe("Ruby gems", () => {
  it("the runs below use every offered gem", () => {
    expect(Object.values(USED).flat().sort()).toEqual(RUBY_LIBRARIES.map((g) => g.name).sort());
  });

  it("csv, json, yaml (psych), rexml, base64, zlib, digest, stringio, strscan and erb", async () => {
    const code = `
require "csv"
require "yaml"
require "rexml/document"
require "base64"
require "zlib"
require "digest"
require "stringio"
require "strscan"
require "erb"
def main(input)
  rows = CSV.parse(input["csv"], headers: true).map(&:to_h)
  out = CSV.generate { |csv| csv << ["a", "b,c"] }
  doc = REXML::Document.new("<list><item n='1'>x</item><item n='2'>y</item></list>")
  names = REXML::XPath.match(doc, "//item").map { |e| e.attributes["n"] + e.text }
  packed = Zlib::Deflate.deflate("kiln " * 100)
  io = StringIO.new
  io.puts "line"
  io.print 42
  scanner = StringScanner.new("3 apples")
  count = scanner.scan(/\\d+/).to_i
  scanner.skip(/\\s+/)
  {
    "rows" => rows, "out" => out, "names" => names,
    "json" => JSON.parse(JSON.generate({ "k" => [1, nil] })),
    "yaml" => [YAML.safe_load("a: [1, 2]\\nb: {c: true}"), YAML.dump({ "x" => [1, "kiln"] })],
    "b64" => Base64.strict_encode64("kiln?"), "b64url" => Base64.urlsafe_decode64("a2lsbj8="),
    "zlib" => [packed.bytesize < 50, Zlib::Inflate.inflate(packed).bytesize, Zlib.crc32("kiln")],
    "sha256" => Digest::SHA256.hexdigest("abc"), "md5" => Digest::MD5.hexdigest(""),
    "io" => io.string, "scan" => [count, scanner.rest],
    "erb" => ERB.new("<%= items.map(&:upcase).join('|') %>").result_with_hash(items: %w[a b]),
  }
end`;
    expect(await run(code, { csv: "name,age\nada,36\nalan,41\n" })).toEqual({
      rows: [{ name: "ada", age: "36" }, { name: "alan", age: "41" }],
      out: 'a,"b,c"\n',
      names: ["1x", "2y"],
      json: { k: [1, null] },
      yaml: [{ a: [1, 2], b: { c: true } }, "---\nx:\n- 1\n- kiln\n"],
      b64: "a2lsbj8=",
      b64url: "kiln?",
      zlib: [true, 500, 3911661381],
      sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      md5: "d41d8cd98f00b204e9800998ecf8427e",
      io: "line\n42",
      scan: [3, "apples"],
      erb: "A|B",
    });
  });

  it("set, matrix, prime, tsort, ostruct, forwardable, delegate, singleton, observer, mutex_m, weakref and abbrev", async () => {
    const code = `
require "set"
require "matrix"
require "prime"
require "tsort"
require "ostruct"
require "forwardable"
require "delegate"
require "singleton"
require "observer"
require "mutex_m"
require "weakref"
require "abbrev"
class Deps
  include TSort
  def initialize(h) = @h = h
  def tsort_each_node(&b) = @h.each_key(&b)
  def tsort_each_child(n, &b) = @h.fetch(n, []).each(&b)
end
class Queue2
  extend Forwardable
  def_delegators :@items, :push, :size, :first
  def initialize = @items = []
end
class Config
  include Singleton
  attr_accessor :value
end
class Ticker
  include Observable
  def tick(n)
    changed
    notify_observers(n)
  end
end
class Seen
  attr_reader :got
  def initialize = @got = []
  def update(n) = @got << n
end
class Upper < SimpleDelegator
  def to_s = __getobj__.upcase
end
def main(input)
  q = Queue2.new
  q.push(5)
  q.push(6)
  Config.instance.value = 9
  t = Ticker.new
  seen = Seen.new
  t.add_observer(seen)
  t.tick(1)
  t.tick(2)
  locked = Object.new.extend(Mutex_m)
  {
    "set" => (Set[1, 2, 3] & Set[2, 3, 4]).to_a.sort,
    "det" => Matrix[[1, 2], [3, 4]].determinant,
    "product" => (Matrix[[1, 2], [3, 4]] * Vector[1, 1]).to_a,
    "primes" => Prime.first(6), "factors" => 360.prime_division, "prime" => 97.prime?,
    "order" => Deps.new({ "app" => ["lib", "util"], "lib" => ["util"], "util" => [] }).tsort,
    "ostruct" => OpenStruct.new(a: 1, b: 2).to_h.transform_keys(&:to_s),
    "forward" => [q.size, q.first],
    "delegate" => [Upper.new("kiln").to_s, Upper.new("kiln").length],
    "singleton" => Config.instance.equal?(Config.instance) && Config.instance.value,
    "observer" => seen.got,
    "mutex_m" => locked.synchronize { locked.mu_locked? },
    "weakref" => WeakRef.new("kept").weakref_alive?,
    "abbrev" => Abbrev.abbrev(%w[car cone]).sort.to_h,
  }
end`;
    expect(await run(code)).toEqual({
      set: [2, 3],
      det: -2,
      product: [3, 7],
      primes: [2, 3, 5, 7, 11, 13],
      factors: [[2, 3], [3, 2], [5, 1]],
      prime: true,
      order: ["util", "lib", "app"],
      ostruct: { a: 1, b: 2 },
      forward: [2, 5],
      delegate: ["KILN", 4],
      singleton: 9,
      observer: [1, 2],
      mutex_m: true,
      weakref: true,
      abbrev: { ca: "car", car: "car", co: "cone", con: "cone", cone: "cone" },
    });
  });

  it("date, time, uri, shellwords, optparse, getoptlong, logger, pp, prettyprint, securerandom, benchmark and English", async () => {
    const code = `
require "stringio"
require "date"
require "time"
require "uri"
require "shellwords"
require "optparse"
require "getoptlong"
require "logger"
require "pp"
require "prettyprint"
require "securerandom"
require "benchmark"
require "English"
def main(input)
  opts = {}
  OptionParser.new { |o| o.on("-n", "--name NAME") { |v| opts["name"] = v }; o.on("-v") { opts["v"] = true } }.parse!(%w[--name kiln -v rest])
  ARGV.replace(%w[--size 3])
  long = {}
  GetoptLong.new(["--size", GetoptLong::REQUIRED_ARGUMENT]).each { |k, v| long[k] = v }
  logged = StringIO.new
  log = Logger.new(logged)
  log.formatter = proc { |sev, _, _, msg| "#{sev}: #{msg}\\n" }
  log.info("started")
  log.debug("detail")
  pretty = PP.pp({ "a" => [1, 2] }, +"")
  wrapped = PrettyPrint.format(+"", 10) { |q| q.group(1, "[", "]") { %w[alpha beta gamma].each_with_index { |w, i| q.comma_breakable if i > 0 rescue nil; q.breakable if i > 0; q.text(w) } } }
  u = URI.parse("https://example.com:8443/a/b?x=1#top")
  "kiln" =~ /l/
  {
    "date" => (Date.new(2024, 1, 31) >> 1).iso8601, "wday" => Date.parse("2024-03-01").strftime("%A"),
    "time" => Time.iso8601("2024-05-06T07:08:09Z").utc.to_i, "rfc" => Time.at(0).utc.httpdate,
    "uri" => [u.host, u.port, u.path, u.query, u.fragment], "www" => URI.encode_www_form("q" => "a b", "n" => 1),
    "joined" => URI.join("https://example.com/a/", "b").to_s,
    "shell" => Shellwords.split("a 'b c' d\\\\ e"), "escaped" => Shellwords.escape("it's"),
    "opts" => opts, "long" => long,
    "log" => logged.string, "pp" => pretty, "wrapped" => wrapped,
    "hex" => SecureRandom.hex(8).size, "uuid" => SecureRandom.uuid.match?(/\\A\\h{8}-\\h{4}-4\\h{3}-[89ab]\\h{3}-\\h{12}\\z/),
    "bench" => Benchmark.measure { 1000.times { } }.respond_to?(:real), "realtime" => Benchmark.realtime { }.is_a?(Float),
    "english" => [$PREMATCH, $POSTMATCH, $MATCH],
  }
end`;
    expect(await run(code)).toEqual({
      date: "2024-02-29",
      wday: "Friday",
      time: 1714979289,
      rfc: "Thu, 01 Jan 1970 00:00:00 GMT",
      uri: ["example.com", 8443, "/a/b", "x=1", "top"],
      www: "q=a+b&n=1",
      joined: "https://example.com/a/b",
      shell: ["a", "b c", "d e"],
      escaped: "it\\'s",
      opts: { name: "kiln", v: true },
      long: { "--size": "3" },
      log: "INFO: started\nDEBUG: detail\n",
      pp: '{"a" => [1, 2]}\n',
      wrapped: "[alpha\n beta\n gamma]",
      hex: 16,
      uuid: true,
      bench: true,
      realtime: true,
      english: ["ki", "n", "l"],
    });
  });

  it("a gem that is not packed is a LoadError", async () => {
    const res = await h.post({ language: "ruby", code: 'require "nokogiri"' });
    expect(res.body.ok).toBe(false);
    expect(res.body.error.code).toBe("guest_error");
    expect(res.body.error.message).toContain("LoadError: cannot load such file -- nokogiri");
  });

  it("lists the gems in GET /v1/languages", async () => {
    const res = await h.request("/v1/languages");
    const ruby = res.body.languages.find((l: { name: string }) => l.name === "ruby");
    expect(ruby.libraries).toContainEqual({ name: "csv", version: "3.3.2" });
    expect(ruby.libraries).toHaveLength(RUBY_LIBRARIES.length);
  });
});
