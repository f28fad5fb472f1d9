/**
 * Lua differential: each program runs under Debian's `lua5.4` (5.4.4, the source Kiln's Lua is built
 * from) and in Kiln (the component engine, in process), and the two stdouts must be the same bytes.
 * Programs that raise must fail in both, with the same message. The one difference by design is the
 * chunk name: natively an error's position reads `/tmp/…/program.lua:3:`, in Kiln `script:3:`; the
 * native text is rewritten to Kiln's before comparing. Left out on purpose (the sandbox differs there):
 * files, `os.exit`/`os.getenv`/`os.date`, `require`, `debug`, the `arg` table, tracebacks, addresses in
 * `tostring` of tables and functions, and `pairs` order over string keys (string hashes are seeded per
 * process, so it differs between two native runs too).
 */
import { describe, expect, it } from "vitest";
import { hasInterpreter, runNative, useKiln } from "../../helpers/differential.ts";
import { job } from "../../helpers/fixtures.ts";

/** Programs that end normally in both. Each prints something (checked), so an empty match proves nothing. */
const programs: Record<string, string> = {
  "string.format: %d %i %x %o %c %s and widths": String.raw`
print(string.format("%d|%5d|%-5d|%05d|%+d|%i", 42, 42, 42, 42, 42, -7))
print(string.format("%x|%X|%#x|%o|%c%c%c", 255, 255, 255, 8, 76, 117, 97))
print(string.format("%s|%10s|%-10s|%.2s|%%", "lua", "right", "left", "truncate"))
print(string.format("%s %s %s %s", 1, 1.0, true, nil))
print(string.format("%d", 3.0), pcall(string.format, "%d", 3.5))`,

  "string.format: %g %e %f %5.2f %a": String.raw`
for _, x in ipairs({ 0, 1, -1, 0.1, 1/3, 100000, 1e6, 1e-5, 123456789, 1e20, 2^53, 1e300, -0.0 }) do
  print(string.format("%g|%.3g|%10.4g|%e|%.2e|%f|%5.2f|%-9.1f|%.0f", x, x, x, x, x, x, x, x, x))
end
print(string.format("%.0f %.0f %.0f %.0f", 0.5, 1.5, 2.5, -0.5))
print(string.format("%.20f", 0.1), string.format("%.17g", 0.1))
print(string.format("%a %a %a %A", 1.0, 0.5, 3.0, 255.5))
print(string.format("%g %g %g", 1/0, -1/0, 2^63))`,

  "string.format: %q": String.raw`
print(string.format("%q", 'he said "hi"\n\tand\\left\0zero\r\1\127' .. "\200\255"))
print(string.format("%q", "\0001\0a"))
print(string.format("%q %q %q", 1, 0.1, -2.5))
print(string.format("%q %q %q", 1/0, -1/0, math.mininteger))
print(string.format("%q %q", 2^63, 1e100))
print(pcall(string.format, "%q", {}))`,

  "integer and float arithmetic, / // % and math.type": String.raw`
print(1 + 2, 1 + 2.0, 3 / 2, 4 / 2, 2^2, 10 - 2.5, 3 * 1.0)
print(7 // 2, -7 // 2, 7 // -2, 7.0 // 2, -7.5 // 2, 7 // 0.0, -7 // 0.0)
print(7 % 3, -7 % 3, 7 % -3, -7 % -3, 7.5 % 2, -7.5 % 2, 5.3 % -2)
print(5 % math.huge, -5 % math.huge, 5 % -math.huge)
print(math.type(1), math.type(1.0), math.type(2^31), math.type(1 // 1), math.type(1 // 1.0), math.type("1"))
print(1 == 1.0, 0.1 + 0.2 == 0.3, 0.1 + 0.2, 100 / 3, 1e308 * 10, -1e308 * 10)
print(pcall(function () return 1 // 0 end))
print(pcall(function () return 1 % 0 end))
print(3 | 5, 3 & 5, 3 ~ 5, ~0, 1 << 4, 256 >> 4, -1 >> 60, 1 << 64, 3.0 | 0)
print(pcall(function () return 1.5 | 0 end))`,

  "math library": String.raw`
print(math.tointeger(3.0), math.tointeger(3.5), math.tointeger("8"), math.tointeger(2^63), math.tointeger(-2^63))
print(math.floor(3.7), math.floor(-3.7), math.ceil(3.2), math.ceil(-3.2), math.floor(2^62 + 0.0))
print(math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3), math.fmod(7.5, 2), math.fmod(-6, 4.0))
print(pcall(math.fmod, 1, 0))
print(math.modf(3.7), math.modf(-3.7), math.modf(5), math.modf(1/0))
print(math.abs(-3), math.abs(-3.5), math.abs(math.mininteger), math.max(1, 2.5, 2), math.min(3, 1.0, 1))
print(math.ult(1, -1), math.huge, -math.huge, math.pi, math.maxinteger, math.mininteger)
print(math.sqrt(2), math.sqrt(16), math.exp(1), math.log(8, 2), math.log(100, 10), math.log(1))
print(math.sin(0), math.cos(0), string.format("%.10f", math.atan(1, 1)), math.floor(-0.0))`,

  "math.random with an explicit seed": String.raw`
math.randomseed(42)
local t = {}
for i = 1, 8 do t[i] = math.random(1, 100) end
print(table.concat(t, " "))
print(string.format("%.17g %.17g", math.random(), math.random()))
print(math.random(0), math.random(3))
math.randomseed(7, 11)
print(math.random(1, 6), math.random(1, 6), math.random(math.mininteger, math.maxinteger))`,

  "integer overflow wraps around": String.raw`
print(math.maxinteger + 1 == math.mininteger, math.maxinteger + 1, math.mininteger - 1)
print(math.maxinteger * 2, -math.mininteger, math.mininteger // -1, math.mininteger % -1)
print(math.maxinteger + 1.0, 2^63 == math.maxinteger + 1.0, 9007199254740993, 2^53 + 1)
print(9223372036854775807, 9223372036854775808, -9223372036854775808, 0x7fffffffffffffff, 0xffffffffffffffff)
for i = math.maxinteger - 2, math.maxinteger do io.write(i, " ") end print()
for i = math.mininteger, math.mininteger + 4, 2 do io.write(i, " ") end print()`,

  "string <-> number coercion and tonumber": String.raw`
print("10" + 1, "10" + 1.5, "0x10" + 0, "1e2" * 1, " 3 " * 2, 10 .. 20, 1.5 .. "", -0.0 .. "", 2^63 .. "")
print(tonumber("  10  "), tonumber("10", 2), tonumber("ff", 16), tonumber("z", 36), tonumber("8", 8), tonumber("7", 8))
print(tonumber(""), tonumber("1e"), tonumber("0x1p4"), tonumber("inf"), tonumber("nan"), tonumber(" 0x "), tonumber("1 2"))
print(tonumber("0x7fffffffffffffff"), tonumber("9223372036854775808"), tonumber(".5"), tonumber("5."), tonumber("1E+2"))
print("10" == 10, "abc" < "abd", "Z" < "a", "" < "a", "10" < "9", math.type("10" + 0), math.type("10.0" + 0))
print(pcall(function () return "a" + 1 end))
print(pcall(function () return {} .. "x" end))
print(pcall(function () return string.rep("ab", 3) + 0 end))
print(tostring(12), tostring(12.0), tostring(-12.50))`,

  "tostring of floats": String.raw`
local zero = 0
print(1e15, 1e16, 1e100, 0.1, -0.0, 1/zero, -1/zero, 3.0, -3.0, 1e-7, 2^-1074, 123456789012345678)
print(2^53, 2^63, 1e14 + 0.5, 0.1 + 0.2, 100 / 3, 1/3, 2/3, 5e-324, 1.7976931348623157e308)
local nan = zero / zero
print(nan ~= nan, nan == nan, math.type(nan), string.format("%.1f", 0.05), 12345678901234567890)
print(tostring(1e15) == "1e+15", math.huge // 1, -math.huge % 2)
print(nan, -nan, math.huge - math.huge, string.format("%f %g %.3f", nan, -nan, nan), tostring(nan), math.fmod(1, 0.0))`,

  "error levels and positions through nested calls": String.raw`
local function lvl(n) error("at level " .. n, n) end
local function mid(n) lvl(n) end
for n = 0, 4 do print(pcall(mid, n)) end
print(pcall(error, "top", 1), pcall(error, "top", 2), pcall(error, "top", 3))
local ok, e = pcall(function () local x = {} .. "" end) print(ok, e)
print(select(2, pcall(string.rep, "x", -1, {})))
print(select(2, pcall(("x").format, "%d", "x")))
print(select(2, pcall(math.tointeger)))
print(json_null, encode, input, main, call, describe, handler, failure)`,

  "string.rep, sub, len, upper, lower, reverse": String.raw`
print(string.rep("ab", 3), string.rep("ab", 3, ","), string.rep("x", 0), string.rep("x", -1), ("-"):rep(5))
local s = "hello world"
print(s:sub(1, 5), s:sub(-5), s:sub(-5, -3), s:sub(3), s:sub(0), s:sub(20), s:sub(5, 2), s:sub(-100, 2))
print(#s, s:len(), s:upper(), ("MiXeD"):lower(), s:reverse(), #"", ("\0a\0"):len())`,

  "string.byte and string.char": String.raw`
print(string.byte("ABC"), string.byte("ABC", 2), string.byte("ABC", 1, -1), string.byte("ABC", -1), string.byte("", 1))
print(string.char(72, 105, 33), string.char(), #string.char(0, 255))
print(pcall(string.char, 256))
print(("xyz"):byte(10), select("#", ("xyz"):byte(10)))`,

  "string.find and string.match": String.raw`
local s = "the quick brown fox jumps"
print(s:find("quick"), s:find("o", 14), s:find("o", -6), s:find("xyz"), s:find("", 3), s:find("", 100))
print(s:find("q.i"), s:find("q.i", 1, true), ("a.b"):find(".", 1, true), s:find("(%a+) (%a+)"))
print(s:match("%a+"), s:match("(%a+) (%a+)$"), s:match("()ow()"), s:match("^the"), s:match("^quick"))
print(("key = value"):match("^(%w+)%s*=%s*(%w+)$"), ("2024-01-31"):match("(%d+)-(%d+)-(%d+)"))
print(("f(a(b)c)d"):match("%b()"), ("THE (quick) fox"):find("%f[%a]%a+%f[%A]"), ("[[x]]"):match("%[(.-)%]"))
print(("  trim  "):match("^%s*(.-)%s*$") .. "|", ("a,b,,c"):match("^(.-),"), ("x"):match(".-"), ("x"):match("(x?)(x?)"))
print(pcall(string.find, "a", "(%"))
print(pcall(string.match, "a", "[a"))`,

  "string.gsub and string.gmatch": String.raw`
print(("hello world"):gsub("o", "0"), ("hello world"):gsub("o", "0", 1), ("abc"):gsub("", "-"))
print(("hello world"):gsub("(%w+)", "<%1>"), ("hello"):gsub(".", "%0%0"), ("a b"):gsub("%s", "%%"))
print(("$name is $age"):gsub("%$(%w+)", { name = "ada", age = 36 }))
print(("1 2 3"):gsub("%d", function (d) return d * 2 end), ("abc"):gsub("%w", function () end))
print(("x = 1, y = 2"):gsub("(%w+) = (%w+)", "%2 = %1"), ("aaa"):gsub("^a", "b"), ("hello"):gsub("l+", string.upper))
local words = {}
for w in ("one two  three"):gmatch("%a+") do words[#words + 1] = w end
print(table.concat(words, "|"))
for k, v in ("a=1, b=2, c=3"):gmatch("(%w+)=(%w+)") do io.write(k, ":", v, ";") end print()
for pos in ("abcabc"):gmatch("()b") do io.write(pos, " ") end print()
print(pcall(string.gsub, "x", "x", "%2"))`,

  "string.pack and string.unpack": String.raw`
local packed = string.pack("<i4 >i2 z B", 1000, -2, "hi", 255)
print(#packed, packed:byte(1, -1))
print(string.unpack("<i4 >i2 z B", packed))
print(string.packsize("i4 i8 d"), string.unpack("<d", string.pack("<d", 0.1)), string.unpack("s1", "\3abc"))
print(pcall(string.pack, "i1", 200))`,

  "table.concat, insert, remove": String.raw`
local t = { 1, 2.5, "x", 4 }
print(table.concat(t), table.concat(t, ", "), table.concat(t, "-", 2, 3), table.concat({}, "x"), table.concat(t, ",", 3, 2))
print(table.concat({ 1.0, 2^63, -0.0 }, " "))
print(pcall(table.concat, { 1, {}, 3 }))
table.insert(t, 5) table.insert(t, 1, "first") table.insert(t, 3, "third")
print(table.concat(t, " "), #t)
print(table.remove(t), table.remove(t, 1), table.remove(t, 2), table.concat(t, " "), #t)
local e = {}
print(table.remove(e), #e, table.remove(e, 0), table.remove(e, 1))
print(pcall(table.insert, { 1, 2 }, 5, "x"))
print(pcall(table.insert, { 1 }, 1, 2, 3))
print(table.move({ 1, 2, 3 }, 1, 3, 2)[3], table.concat(table.move({ 1, 2, 3 }, 1, 3, 3, {}), ",", 3, 5))`,

  "table.sort": String.raw`
local t = { 5, 2, 8, 1, 9, 3, 7, 4, 6, 0 }
table.sort(t) print(table.concat(t, " "))
table.sort(t, function (a, b) return a > b end) print(table.concat(t, " "))
local s = { "banana", "Apple", "cherry", "apple", "10", "9", "" }
table.sort(s) print(table.concat(s, " "))
local people = { { n = "b", a = 30 }, { n = "a", a = 25 }, { n = "c", a = 30 }, { n = "d", a = 20 } }
table.sort(people, function (x, y) if x.a ~= y.a then return x.a < y.a end return x.n < y.n end)
for _, p in ipairs(people) do io.write(p.n, p.a, " ") end print()
local mixed = { 3, 1.5, 2, -0.5, 2^60 } table.sort(mixed) print(table.concat(mixed, " "))
print(pcall(table.sort, { 1, "x", 2 }))`,

  "table.pack, table.unpack, select": String.raw`
print(table.unpack({ 1, 2, 3 }), table.unpack({ 1, 2, 3 }, 2), table.unpack({ 1, 2, 3 }, 2, 5), table.unpack({}, 1, 0))
local p = table.pack(1, nil, 3, nil)
print(p.n, p[1], p[2], p[3], p[4], #{ table.unpack(p, 1, p.n) } >= 0)
print(select("#"), select("#", nil), select("#", nil, nil), select(2, "a", "b", "c"), select(-1, "a", "b", "c"), select(-2, "a", "b", "c"))
print(pcall(select, 0, "a"))`,

  "ipairs and pairs over arrays": String.raw`
local t = { "a", "b", "c", "d", "e", 10, 20, 30 }
for i, v in ipairs(t) do io.write(i, "=", v, " ") end print()
for k, v in pairs(t) do io.write(k, "=", v, " ") end print()
local holes = { 1, 2, nil, 4 }
for i, v in ipairs(holes) do io.write(i, "=", v, " ") end print()
local grown = {} for i = 1, 20 do grown[i] = i * i end
for k, v in pairs(grown) do io.write(k, ":", v, " ") end print()
local n = 0 for _ in pairs({}) do n = n + 1 end print(n, next({}), type(next), rawlen({ 1, 2 }), rawequal(t, t))
local prox = setmetatable({}, { __index = function (_, i) if i <= 3 then return i * 10 end end })
for i, v in ipairs(prox) do io.write(i, "=", v, " ") end print()`,

  "integer and float keys": String.raw`
local t = {}
t[1] = "int" t[1.0] = "float one" t[2^53] = "big" t["1"] = "string"
print(t[1], t[1.0], t[2^53 // 1], t["1"], #t, math.type(next({ [3.0] = true })))
print(pcall(function () t[0/0] = 1 end))
print(pcall(function () t[nil] = 1 end))
print(t[nil], rawget(t, 1), #"x" + #t)`,

  "closures and upvalues": String.raw`
local function counter()
  local n = 0
  return function () n = n + 1 return n end, function () return n end
end
local inc, get = counter()
inc() inc()
local inc2 = counter()
print(inc(), get(), inc2(), get())
local fs = {}
for i = 1, 3 do fs[i] = function () return i end end
print(fs[1](), fs[2](), fs[3]())
local acc = {}
local x = 0
while x < 3 do x = x + 1 local y = x * 10 acc[x] = function () y = y + 1 return y end end
print(acc[1](), acc[1](), acc[2](), acc[3]())
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(20), (function (...) return select("#", ...) end)(1, nil, nil))`,

  "varargs": String.raw`
local function f(...)
  local a, b = ...
  return select("#", ...), a, b, ...
end
print(f()) print(f(nil)) print(f(1, nil, 3, nil))
print((f(1, 2, 3)))
local function g(...) return ... end
print(g(1, 2), g(3, 4))
print(({ g(1, 2, 3) })[3], #{ g(1, 2, 3), g(4) })
local function sum(...) local s = 0 for i = 1, select("#", ...) do s = s + (select(i, ...) or 0) end return s end
print(sum(), sum(1, 2, 3), sum(1, nil, 3.5))
print(table.pack(...).n, ... == nil)`,

  "metatables: __index, __newindex, rawget, rawset": String.raw`
local base = { greet = function (self) return "hi " .. self.name end, kind = "base" }
base.__index = base
local obj = setmetatable({ name = "ada" }, base)
print(obj:greet(), obj.kind, rawget(obj, "kind"), getmetatable(obj) == base)
local log = {}
local guarded = setmetatable({}, { __newindex = function (t, k, v) log[#log + 1] = k rawset(t, k, v * 2) end })
guarded.a = 1 guarded.a = 5 guarded.b = 2
print(guarded.a, guarded.b, table.concat(log, ","))
local defaults = setmetatable({}, { __index = function (_, k) return k .. "!" end })
print(defaults.x, defaults[1], rawget(defaults, "x"))
local locked = setmetatable({}, { __metatable = "locked" })
print(getmetatable(locked), pcall(setmetatable, locked, {}))
print(getmetatable("abc").__index == string, ("x"):upper())`,

  "metatables: arithmetic, comparison, __concat, __call, __tostring, __len": String.raw`
local V = {}
V.__index = V
local function vec(x, y) return setmetatable({ x = x, y = y }, V) end
V.__add = function (a, b) return vec(a.x + b.x, a.y + b.y) end
V.__sub = function (a, b) return vec(a.x - b.x, a.y - b.y) end
V.__mul = function (a, k) return vec(a.x * k, a.y * k) end
V.__unm = function (a) return vec(-a.x, -a.y) end
V.__eq = function (a, b) return a.x == b.x and a.y == b.y end
V.__lt = function (a, b) return a.x < b.x end
V.__le = function (a, b) return a.x <= b.x end
V.__len = function (a) return 2 end
V.__concat = function (a, b) return tostring(a) .. "&" .. tostring(b) end
V.__call = function (self, k) return self[k] end
V.__tostring = function (a) return "(" .. a.x .. "," .. a.y .. ")" end
V.__idiv = function (a, b) return "idiv" end
V.__mod = function (a, b) return "mod" end
V.__band = function (a, b) return "band" end
local a, b = vec(1, 2), vec(3, 4.5)
print(tostring(a + b), tostring(b - a), tostring(a * 3), tostring(-a), #a, a("y"))
print(a == vec(1, 2), a ~= b, a < b, a <= b, a > b, a >= b, rawequal(a, vec(1, 2)))
print(a .. b, a .. "s", "s" .. a, a // b, a % 1, a & 1)
print(pcall(function () return a ^ b end))
print(string.format("%s|%s", a, b), tostring(setmetatable({}, { __tostring = function () return "custom" end })))`,

  "to-be-closed and const variables": String.raw`
local function closer(name) return setmetatable({}, { __close = function (_, err) print("close", name, err) end }) end
do
  local a <close> = closer("a")
  local b <close> = closer("b")
  local c <const> = 42
  print("body", c)
end
print(pcall(function ()
  local x <close> = closer("x")
  error("oops", 0)
end))
local function early()
  local y <close> = closer("y")
  return "returned"
end
print(early())
print(pcall(function () local z <close> = 42 end))`,

  "coroutines": String.raw`
local function gen(n)
  return coroutine.wrap(function () for i = 1, n do coroutine.yield(i) end return "done" end)
end
local g = gen(3) print(g(), g(), g(), g())
local co = coroutine.create(function (a, b)
  print("start", a, b)
  local c = coroutine.yield(a + b)
  print("got", c)
  local d, e = coroutine.yield(c * 2)
  return d + e
end)
print(coroutine.resume(co, 1, 2)) print(coroutine.status(co))
print(coroutine.resume(co, 10)) print(coroutine.resume(co, 3, 4)) print(coroutine.status(co))
print(coroutine.resume(co))
local bad = coroutine.create(function () error("inside", 0) end)
print(coroutine.resume(bad)) print(coroutine.status(bad))
print(coroutine.isyieldable(), coroutine.running() ~= nil, select(2, coroutine.running()))
local inner = coroutine.wrap(function () print(coroutine.isyieldable(), select(2, coroutine.running())) coroutine.yield(pcall(coroutine.yield, 1)) end)
print(inner()) print(inner("resumed"))
local closable = coroutine.create(function () coroutine.yield() end)
coroutine.resume(closable) print(coroutine.close(closable), coroutine.status(closable))
print(pcall(g))`,

  "goto and loops": String.raw`
for i = 1, 10 do
  if i % 2 == 0 then goto continue end
  io.write(i, " ")
  ::continue::
end
print()
local i = 1
::top::
if i <= 3 then io.write("i", i, " ") i = i + 1 goto top end
print()
for x = 1, 3 do for y = 1, 3 do if y > x then break end io.write(x, y, " ") end end print()
for f = 1, 2, 0.5 do io.write(f, " ") end print()
for f = 1.0, 3 do io.write(f, " ") end print()
for n = 10, 1, -3 do io.write(n, " ") end print()
local k = 0 repeat local stop = k >= 2 k = k + 1 until stop print(k)
print(pcall(function () for q = 1, 2, 0 do end end))
print(pcall(function () for q = "a", 2 do end end))`,

  "utf8 library": String.raw`
print(utf8.char(72, 228, 8364, 128512), utf8.char(), #utf8.char(0x10FFFF), utf8.charpattern)
local s = "häll€ 😀"
print(#s, utf8.len(s), utf8.len(s, 3), utf8.len("\xff"), utf8.len("ab\x80cd"))
for p, c in utf8.codes(s) do io.write(p, ":", c, " ") end print()
print(utf8.codepoint(s, 1, -1))
print(utf8.offset(s, 3), utf8.offset(s, -1), utf8.offset(s, 0, 3), utf8.offset(s, 10))
for ch in s:gmatch(utf8.charpattern) do io.write("[", ch, "]") end print()
print(pcall(utf8.codepoint, "\xff"))
print(pcall(utf8.char, -1))
print(utf8.len("\u{7FFFFFFF}", 1, -1, true), utf8.len("\u{D800}"), utf8.len("\u{D800}", 1, -1, true))`,

  "error, pcall, xpcall and error objects": String.raw`
print(pcall(error, "plain"))
print(pcall(error, "no position", 0))
print(pcall(function () error("level 1") end))
local function check(x) if type(x) ~= "number" then error("expected a number", 2) end return x end
print(pcall(function () return check("x") end))
print(pcall(error))
print(pcall(error, nil))
print(pcall(error, 42), pcall(error, 4.5))
local obj = { code = 7 }
local ok, e = pcall(error, obj) print(ok, e == obj, e.code)
print(select("#", pcall(error)))
print(pcall(function () local t = nil return t.x end))
print(pcall(function () return undefinedfunction() end))
print(pcall(function () local t = {} return t.a.b end))
print(pcall(function () return #nil end))
print(pcall(function () return 1 < "2" end))
print(pcall(function () return {} < {} end))
print(pcall(assert, false))
print(pcall(assert, nil, "custom assert"))
print(pcall(assert, 1, 2, 3))
print(xpcall(function () error("handled") end, function (m) return "handler: " .. m end))
print(xpcall(function (a, b) return a + b end, print, 3, 4))
print(pcall(pcall))
print(pcall(string.rep))
print(pcall(("x").rep, "x", {}))
print(pcall(setmetatable, 1, {}))
print(pcall(error, setmetatable({}, { __tostring = function () return "E!" end })))
local ok2, nested = pcall(function () local ok3, m = pcall(error, "inner") error("outer: " .. m, 0) end)
print(ok2, nested)`,

  "_ENV as a const local (Debian's fix for CVE-2022-28805)": String.raw`
local print, pcall, load, type = print, pcall, load, type
print(pcall(load("local _ENV <const> = 10; return x")))
print(pcall(load("local _ENV <const> = true; y = 1")))
print(type(load("local _ENV <const> = 'abc'; return len")()), pcall(load("local _ENV <const> = 2.5; return function () return z end")()))
local _ENV <const> = { print = print, x = 1 }
print(x, y)`,

  "load with text chunks": String.raw`
print(load("return 1 + 2")())
print(load("return ...", "=chunk")(4, 5))
local env = { x = 10 }
print(load("return x", "env", "t", env)(), load("y = 5 return y", "e2", "t", env)(), env.y)
print(load("x ="))
print(type(load("return 1", "=named", "t")), load("return 1", "=named", "b"))
print(load("return 2", "=named", "bt")(), load("return 3", "=named", "x"))
local parts = { "return ", "'pie", "ces'" }
local i = 0
print(load(function () i = i + 1 return parts[i] end)())
print(pcall(load("error('in chunk')", "=loaded")))
print(load("return 1", "=x", "b"))`,

  "os.time with a table": String.raw`
print(os.time({ year = 2000, month = 1, day = 1, hour = 0 }))
print(os.time({ year = 2000, month = 1, day = 1 }), os.time({ year = 1970, month = 1, day = 1, hour = 0 }))
print(os.time({ year = 2024, month = 2, day = 29, hour = 23, min = 59, sec = 59 }), os.time({ year = 1900, month = 1, day = 1, hour = 0 }))
print(os.time({ year = 2000, month = 1, day = 1, hour = 0, isdst = false }), os.time({ year = 2000, month = 1, day = 1, hour = 0, isdst = true }))
print(os.time({ year = "2001", month = 3.0, day = "4", hour = 5 }), os.time({ year = 3000, month = 12, day = 31 }), os.time({ year = 1, month = 1, day = 1 }))
local t = { year = 2000, month = 13, day = 32, hour = 25, min = 61, sec = -1, isdst = true }
print(os.time(t))
for _, k in ipairs({ "year", "month", "day", "hour", "min", "sec", "yday", "wday", "isdst" }) do io.write(k, "=", tostring(t[k]), " ") end print()
local u = { year = 2023, month = 0, day = 0 }
print(os.time(u), u.year, u.month, u.day, u.hour, u.yday, u.wday, u.isdst)
print(pcall(os.time, { year = 2000, month = 1 }))
print(pcall(os.time, { year = 2000, day = 1 }))
print(pcall(os.time, { month = 1, day = 1 }))
print(pcall(os.time, { year = 2000, month = 1, day = 1.5 }))
print(pcall(os.time, { year = 2000, month = 1, day = 1, min = "x" }))
print(pcall(os.time, { year = 2^31, month = 1, day = 1 }))
print(pcall(os.time, { year = 1969, month = 12, day = 31, hour = 23, min = 59, sec = 59 }))
print(pcall(os.time, { year = 1969, month = 12, day = 31, hour = 23, min = 59, sec = 59, isdst = true }))
print(pcall(os.time, 5))
print(math.type(os.time()), math.type(os.clock()))`,

  "io.write and file objects with numbers": String.raw`
io.write(1.0, " ", 1, " ", -0.0, " ", 1e15, " ", 1e100, " ", 0.1, " ", 2^63, " ", math.mininteger, " ", 1/3, "\n")
io.write(1/0, " ", -1/0, " ", 3.14159265358979, " ", 100 / 2, "\n")
io.stdout:write(2.0, " ", 7, "\n"):write(1e15, "|", 2^53, "\n")
io.stderr:write(1.5, "\n")
print(io.write() == io.stdout, io.stdout:write() == io.stdout)
print(pcall(io.write, {}))
print(pcall(io.write, "a", nil))
io.write("no newline at the end")`,

  "print: several values, tabs, nil and booleans": String.raw`
print(1, nil, true, false, "x", 2.5, -0.0)
print()
print(nil)
print("", "")
print("a\tb", "c\n", "d")
print(setmetatable({}, { __tostring = function () return "meta" end }), setmetatable({}, { __name = 5, __tostring = function () return "tostring wins" end }))
print(pcall(print, setmetatable({}, { __tostring = function () return 1 end })))
print(tostring(nil), tostring(true), tostring(12), tostring("s"), type(print), type(nil), type({}), type(2), type("2"))`,

  "string escapes and long strings": String.raw`
print("\x41\u{48}\65\066\z
       continued", "tab\there", 'single \'q\'', "\u{10FFFF}" == "\xF4\x8F\xBF\xBF")
print([[
first newline skipped]], [==[with ]] inside]==], #[[

]])
print("a" .. "b" .. 1 .. 2.0, ("x"):rep(3, "\0") == "x\0x\0x")`,

  "integer division and conversion edge cases": String.raw`
print(3 // 0.0, -3 // 0.0, 0.0 // 0.0 ~= 0.0 // 0.0, 3 % -0.0 ~= 3 % -0.0)
print(2^63 // 1, math.tointeger(2^63 // 2), -2^63 // 1 == math.mininteger, math.mininteger // 1.0)
print(7 // 2.5, -7 // 2.5, 7 % 2.5, -7 % 2.5, 1e308 // 1e-308)
print(string.format("%.14g", 2^63), math.floor(-2^63) == math.mininteger, math.ceil(2^62 - 0.5))
print(pcall(math.floor, "x"))
print(1 == 1.0000000000000002, 2^53 == 2^53 + 1, math.maxinteger + 0.0 == 2^63, math.maxinteger < 2^63)
print(math.mininteger <= -2^63, 1 < 1.5, -1 > -1.5, 3 == "3")`,

  "objects and inheritance": String.raw`
local Animal = {}
Animal.__index = Animal
function Animal.new(name, sound) return setmetatable({ name = name, sound = sound }, Animal) end
function Animal:speak() return self.name .. " says " .. self.sound end
local Dog = setmetatable({}, { __index = Animal })
Dog.__index = Dog
function Dog.new(name) local d = Animal.new(name, "woof") return setmetatable(d, Dog) end
function Dog:fetch() return self.name .. " fetches" end
local d = Dog.new("rex")
print(d:speak(), d:fetch(), getmetatable(d) == Dog, rawget(Dog, "speak"))
local Stack = {}
Stack.__index = Stack
function Stack.new() return setmetatable({ n = 0 }, Stack) end
function Stack:push(v) self.n = self.n + 1 self[self.n] = v return self end
function Stack:pop() local v = self[self.n] self[self.n] = nil self.n = self.n - 1 return v end
local s = Stack.new():push(1):push("two"):push(3.0)
print(s:pop(), s:pop(), s.n, #s)`,

  "a small program: word frequencies, sorted": String.raw`
local text = [[the cat sat on the mat the end and the cat ran]]
local counts, order = {}, {}
for w in text:gmatch("%a+") do
  if not counts[w] then order[#order + 1] = w end
  counts[w] = (counts[w] or 0) + 1
end
table.sort(order, function (a, b) if counts[a] ~= counts[b] then return counts[a] > counts[b] end return a < b end)
for i, w in ipairs(order) do print(string.format("%2d. %-4s %3d %5.1f%%", i, w, counts[w], 100 * counts[w] / 12)) end`,

  "a small program: primes, JSON-ish output and string building": String.raw`
local primes, n = {}, 2
while #primes < 25 do
  local isprime = true
  for _, p in ipairs(primes) do if p * p > n then break end if n % p == 0 then isprime = false break end end
  if isprime then primes[#primes + 1] = n end
  n = n + 1
end
print("[" .. table.concat(primes, ",") .. "]")
local parts = {}
for i = 1, 5 do parts[#parts + 1] = string.format("%q:%s", "k" .. i, i / 2) end
print("{" .. table.concat(parts, ",") .. "}")
local b = {} for i = 1, 1000 do b[#b + 1] = string.char(65 + i % 26) end
local s = table.concat(b) print(#s, s:sub(1, 30), s:sub(-5))`,
};

/** Programs that raise an error no one catches, so both fail; what they printed first is compared too, and the message. */
const failing: Record<string, string> = {
  "error with a message and a position": String.raw`
print("before")
error("boom")`,
  "error with level 0": String.raw`io.write("partial ") error("no position", 0)`,
  "error with level 2": String.raw`
local function check(x) if not x then error("bad input", 2) end end
local function caller()
  check(false)
end
caller()`,
  "indexing nil": String.raw`
local t = nil
print(t.x)`,
  "calling an undefined global": String.raw`print(1) undefined_function(2)`,
  "arithmetic on a nil field": String.raw`local t = {} return t.count + 1`,
  "error with a table": String.raw`error({ code = 1 })`,
  "error with a table that has __tostring": String.raw`error(setmetatable({}, { __tostring = function () return "custom error" end }))`,
  "error with nil": String.raw`print("x") error()`,
  "error with a boolean": String.raw`error(true)`,
  "error with a number": String.raw`error(42)`,
  "error with a float": String.raw`error(4.0)`,
  "assert false": String.raw`assert(1 == 2, "one is not two")`,
  "string arithmetic that is not a number": String.raw`local s = "abc" print(s + 1)`,
  "integer division by zero": String.raw`local z = 0 print(10 // z)`,
  "stack overflow": String.raw`local function f() return 1 + f() end f()`,
  "bad argument to a library function": String.raw`string.rep()`,
  "error inside a coroutine wrapper": String.raw`coroutine.wrap(function () error("from the coroutine") end)()`,
  "a syntax error": String.raw`print("fine")
local x = = 1`,
};

/** The native chunk name is the program's path; Kiln names it `script`. */
const kilnChunkName = (text: string) => text.replace(/\/[^\s:'"]*kiln-differential-[^/]+\/program\.lua/g, "script");

describe.skipIf(!hasInterpreter("lua5.4", "lua5.4", "Lua differential"))("Lua differential: lua5.4 and Kiln print the same bytes", () => {
  const sandbox = useKiln();

  it("has the reference interpreter Kiln's Lua is built from", () => {
    const version = runNative("lua5.4", [], "print(_VERSION, math.maxinteger, 2^53, string.format('%.14g', 0.1))", ".lua");
    expect(version).toMatchObject({ status: 0, stdout: "Lua 5.4\t9223372036854775807\t9.007199254741e+15\t0.1\n" });
  });

  it.each(Object.entries(programs))("%s", async (_, code) => {
    const native = runNative("lua5.4", [], code, ".lua");
    expect(native.status, native.stderr).toBe(0);
    expect(native.stdout).not.toBe("");
    const kiln = await sandbox.run(job("lua", code));
    expect(kiln.ok, JSON.stringify(kiln.ok ? null : kiln.error)).toBe(true);
    expect(kiln.stdout).toBe(kilnChunkName(native.stdout));
    expect(kiln.stderr).toBe(kilnChunkName(native.stderr));
  });

  it.each(Object.entries(failing))("fails in both: %s", async (_, code) => {
    const native = runNative("lua5.4", [], code, ".lua");
    expect(native.status).toBe(1);
    // lua.c prints "lua5.4: <message>" and a traceback; Kiln keeps the message (a syntax error's with "SyntaxError: " in front).
    const message = /^lua5\.4: ([\s\S]*?)\n(stack traceback:|$)/.exec(kilnChunkName(native.stderr))?.[1];
    expect(message, native.stderr).toBeDefined();
    const kiln = await sandbox.run(job("lua", code));
    expect(kiln.ok).toBe(false);
    if (kiln.ok) return;
    expect(kiln.error.message.replace(/^SyntaxError: /, "")).toBe(message);
    expect(kiln.stdout).toBe(native.stdout);
  });
});
