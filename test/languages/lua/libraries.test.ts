/**
 * languages/lua: the pure-Lua Debian libraries (packages.lock, libraries.generated.ts), each put to a real use
 * through POST /v1/run, with its result checked. `require` loads them from the run's chunk, never from files.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appWith, componentEngine } from "../../helpers/fixtures.ts";
import type { ComponentEngine } from "../../../src/engine/component/component-engine.ts";
import { LUA_LIBRARY_MODULES } from "../../../languages/lua/libraries.ts";

let engine: ComponentEngine;
let h: Awaited<ReturnType<typeof appWith>>;
beforeAll(async () => {
  engine = await componentEngine();
  h = await appWith(engine);
});
afterAll(() => engine.dispose());

const run = async (code: string, input: unknown = null, files?: { name: string; content: string }[]) => {
  const res = await h.post({ language: "lua", code, input, ...(files ? { files } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.ok, JSON.stringify(res.body)).toBe(true);
  return res.body.result;
};

describe("Lua libraries", () => {
  it("dkjson decodes and encodes JSON; inspect prints a table", async () => {
    const code = `
local json = require("dkjson")
local inspect = require "inspect"
function main(input)
  local doc = json.decode(input.text, 1, json.null)
  local bad, _, problem = json.decode("{")
  return {
    sum = doc.a + doc.list[2],
    null = doc.nothing == json.null,
    encoded = json.encode({ 1, 2, { x = "y" } }),
    indented = json.encode({ k = true }, { indent = true }),
    failed = bad == nil and problem ~= nil,
    inspected = inspect({ 1, 2, name = "kiln", nested = { ok = true } }),
    depth = inspect({ a = { b = { c = 1 } } }, { depth = 1 }),
    version = json.version .. " / " .. inspect._VERSION,
  }
end`;
    expect(await run(code, { text: '{"a": 40, "list": [1, 2], "nothing": null}' })).toEqual({
      sum: 42,
      null: true,
      encoded: '[1,2,{"x":"y"}]',
      indented: '{\n  "k":true\n}',
      failed: true,
      inspected: '{ 1, 2,\n  name = "kiln",\n  nested = {\n    ok = true\n  }\n}',
      depth: "{\n  a = {...}\n}",
      version: "dkjson 2.6 / inspect.lua 3.1.0",
    });
  });

  it("penlight: List, stringx, tablex, class, text, array2d, func, lexer, url, permute, xml and the lazy pl table", async () => {
    const code = `
local List = require "pl.List"
local stringx = require "pl.stringx"
local tablex = require "pl.tablex"
local class = require "pl.class"
local text = require "pl.text"
local array2d = require "pl.array2d"
local func = require "pl.func"
local lexer = require "pl.lexer"
local url = require "pl.url"
local permute = require "pl.permute"
local xml = require "pl.xml"
local utils = require "pl.utils"
local pl = require "pl.import_into"()
local Animal = class()
function Animal:_init(name) self.name = name end
function Animal:speak() return self.name .. " speaks" end
local Dog = class(Animal)
function Dog:speak() return self._base.speak(self) .. " woof" end
function main(input)
  local squares = List(input.numbers):map(function(x) return x * x end):filter(function(x) return x > 4 end)
  local tokens = {}
  for t, v in lexer.lua("local x = 42") do tokens[#tokens + 1] = t .. ":" .. tostring(v) end
  local doc = xml.parse("<root><item id='1'>one</item><item id='2'>two</item></root>", false, true)
  local ids = {}
  for item in doc:childtags() do ids[#ids + 1] = item.attr.id end
  local count = 0
  for _ in permute.order_iter({ 1, 2, 3 }) do count = count + 1 end
  local _1 = func._1
  return {
    squares = squares:concat(","),
    split = stringx.split("a, b ,c", ","):map(stringx.strip),
    starts = stringx.startswith("kiln", "ki"),
    keys = tablex.keys({ x = 1, y = 2 }):sort(),
    same = tablex.deepcompare({ a = { 1, 2 } }, { a = { 1, 2 } }),
    merged = tablex.update({ a = 1, b = 2 }, { b = 3, c = 4 }),
    total = tablex.reduce("+", { 1, 2, 3, 4 }),
    dog = Dog("rex"):speak(),
    isa = Dog:class_of(Dog("x")) and Animal:class_of(Dog("y")),
    rendered = text.Template("$name runs \${lang}"):substitute({ name = "kiln", lang = "Lua" }),
    indented = text.indent("a\\nb\\n", 2),
    transposed = array2d.transpose({ { 1, 2 }, { 3, 4 } }),
    curried = List({ 1, 2, 3 }):map(func.bind1(math.max, 2)),
    placeholder = List({ 1, 2, 3 }):map(_1 * 10),
    tokens = tokens,
    quoted = url.quote("a b&c"),
    permutations = count,
    ids = ids,
    lazy = pl.stringx.replace("a-b-c", "-", "+"),
    split2 = { utils.splitv("k=v", "=") },
  }
end`;
    expect(await run(code, { numbers: [1, 2, 3, 4] })).toEqual({
      squares: "9,16",
      split: ["a", "b", "c"],
      starts: true,
      keys: ["x", "y"],
      same: true,
      merged: { a: 1, b: 3, c: 4 },
      total: 10,
      dog: "rex speaks woof",
      isa: true,
      rendered: "kiln runs Lua",
      indented: "  a\n  b\n",
      transposed: [[1, 3], [2, 4]],
      curried: [2, 2, 3],
      placeholder: [10, 20, 30],
      tokens: ["keyword:local", "iden:x", "=:=", "number:42"],
      quoted: "a%20b%26c",
      permutations: 6,
      ids: ["1", "2"],
      lazy: "a+b+c",
      split2: ["k", "v"],
    });
  });

  it("a run's own file still loads, and a library needs no mention of require in the script itself", async () => {
    const files = [{ name: "util.lua", content: 'local json = require "dkjson"\nreturn { show = function(t) return json.encode(t) end }' }];
    expect(await run('local util = require "util"\nfunction main() return util.show({ 7 }) end', null, files)).toBe("[7]");
  });

  it("a module that is not offered is a guest error that names the offered ones", async () => {
    const res = await h.post({ language: "lua", code: 'local lfs = require "lfs"' });
    expect(res.body.ok).toBe(false);
    expect(res.body.error.code).toBe("guest_error");
    expect(res.body.error.message).toContain("module 'lfs' not found");
    expect(res.body.error.message).toContain(`Kiln's Lua libraries offer: ${LUA_LIBRARY_MODULES.join(", ")}`);
    const left = await h.post({ language: "lua", code: 'return require "pl.path"' });
    expect(left.body.error.message).toContain("module 'pl.path' not found");
  });

  it("lists the libraries in GET /v1/languages", async () => {
    const res = await h.request("/v1/languages");
    const lua = res.body.languages.find((l: { name: string }) => l.name === "lua");
    expect(lua.libraries).toEqual([
      { name: "penlight", version: "1.13.1" },
      { name: "dkjson", version: "2.6" },
      { name: "inspect", version: "3.1.1" },
    ]);
  });
});
