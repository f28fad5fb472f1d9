import { SIGNATURE_TABLE } from "../../src/capabilities/wit.ts";
import { LUA_LIBRARY_DIR, LUA_LIBRARY_MODULES, luaLibraryFields } from "./libraries.ts";

/**
 * The Lua chunk Kiln runs around a script: the input as a Lua value, the script loaded in text mode
 * under the name `script` (so its errors and line numbers are its own), then `main(input)` if the
 * script defines it, with the result encoded as JSON by a small encoder written in Lua. The global
 * `kiln` table is Kiln's host (wit/): `kiln.kv.get(key)`, `kiln.log.write(level, message)`, … over
 * the runtime's one host function; a refused call raises a Lua error `"<code>: <message>"`.
 *
 * What the chunk returns or raises (the runtime's `run` adds `runtime:` in front of what it raises):
 * - success: the result as JSON text;
 * - `syntax:<offset>:<message>`: the script does not parse; `offset` is the byte offset at which Lua's
 *   lexer stood when it stopped (see `luaSyntaxError` in languages/lua/driver.ts);
 * - `guest:<JSON>`: the script raised an error; `{message, line?, stack?}`, with the line of the
 *   script's innermost frame and a traceback of the script's frames only;
 * - anything else: a failure outside the script (its result is not JSON-serialisable), or `not enough
 *   memory`, raised as it came (a memory error never reaches a message handler).
 */
const ENCODER = String.raw`
local json_null = {}
-- Everything the wrapper uses is captured before the script runs, which may replace globals and library functions.
local next, type, tostring, tonumber, getmetatable, rawget, pcall = next, type, tostring, tonumber, getmetatable, rawget, pcall
local mathtype, huge, max = math.type, math.huge, math.max
local format, gsub, find, gmatch, sub, byte, match = string.format, string.gsub, string.find, string.gmatch, string.sub, string.byte, string.match
local concat, sort = table.concat, table.sort

-- A number as JSON text: integers in decimal, floats in the shortest form that reads back the same; nil for nan and infinities.
local function number_text(v)
  if mathtype(v) == "integer" then return format("%d", v) end
  if v ~= v or v == huge or v == -huge then return nil end
  for digits = 14, 16 do
    local text = format("%." .. digits .. "g", v)
    if tonumber(text) == v then return text end
  end
  return format("%.17g", v)
end

local function string_text(s)
  return '"' .. gsub(s, '[%c"\\]', function (c) return format("\\u%04x", byte(c)) end) .. '"'
end

local function key_name(k)
  if type(k) == "string" then return format("%q", k) end
  return tostring(k)
end

-- JSON text for v. Tables are read raw (no metamethods run): a table whose keys are exactly 1..n is an array
-- (the empty table is []); any other is an object whose keys are its string keys and its number keys as text.
local function encode(v, what, depth)
  depth = depth or 0
  if depth > 100 then error(what .. " is nested too deeply", 0) end
  local t = type(v)
  if v == nil or v == json_null then return "null"
  elseif t == "boolean" then return tostring(v)
  elseif t == "number" then
    local text = number_text(v)
    if not text then error(what .. " is not JSON-serialisable: " .. tostring(v), 0) end
    return text
  elseif t == "string" then return string_text(v)
  elseif t == "table" then
    local count, max, array = 0, 0, true
    for k in next, v do
      count = count + 1
      if array then
        if mathtype(k) ~= "integer" or k < 1 then array = false elseif k > max then max = k end
      end
    end
    local parts = {}
    if array and max == count then
      for i = 1, count do parts[i] = encode(v[i], what, depth + 1) end
      return "[" .. concat(parts, ",") .. "]"
    end
    local names, keys = {}, {}
    for k in next, v do
      local kt, name = type(k), nil
      if kt == "string" then name = k
      elseif kt == "number" then name = number_text(k) end
      if name == nil then error(what .. " is not JSON-serialisable: a table has a key that is " .. (kt == "number" and tostring(k) or "a " .. kt) .. " (keys must be strings or numbers)", 0) end
      local other = keys[name]
      if other ~= nil then
        if type(other) == "string" then other, k = k, other end
        error(what .. " is not JSON-serialisable: a table has both the keys " .. key_name(other) .. " and " .. key_name(k) .. ", which are the same JSON key", 0)
      end
      keys[name] = k
      names[#names + 1] = name
    end
    sort(names)
    for i = 1, #names do parts[i] = string_text(names[i]) .. ":" .. encode(v[keys[names[i]]], what, depth + 1) end
    return "{" .. concat(parts, ",") .. "}"
  end
  error(what .. " is not JSON-serialisable: " .. t, 0)
end`;

/** Lua's reserved words: a WIT name that is one is a string key (`kiln.kv["end"]`). */
const LUA_KEYWORDS = new Set("and break do else elseif end false for function goto if in local nil not or repeat return then true until while".split(" "));

/** A WIT name as Lua names it: kebab-case in snake_case (`get-many` → `get_many`). */
export function luaName(witName: string): string {
  return witName.replace(/-/g, "_");
}

/** `name = ` for a table field, or `["name"] = ` when the name is a Lua reserved word. */
const field = (name: string) => (LUA_KEYWORDS.has(name) ? `[${JSON.stringify(name)}] = ` : `${name} = `);

/**
 * The global `kiln` table, generated from the WIT signature table (src/capabilities/wit.ts) when this
 * module loads: `kiln.<interface>.<function>(...)` for every WIT function, the WIT's names in
 * snake_case, taking the WIT's parameters in the WIT's order (a missing one is nil, sent as null).
 * Each call sends `"<interface>.<function>"` and its arguments as JSON to the runtime's one host
 * function and loads the answer, which the host gave as a Lua literal (language.ts's `answer`).
 */
export function luaKilnTable(signatures: Readonly<Record<string, Readonly<Record<string, { readonly name: string; readonly params: readonly unknown[] }>>>>): string {
  const interfaces = Object.entries(signatures).map(([iface, fns]) => {
    const members = Object.entries(fns).map(([fn, sig]) => `${field(luaName(sig.name))}fn(${JSON.stringify(`${iface}.${fn}`)}, ${sig.params.length})`);
    return `  ${field(luaName(iface))}{ ${members.join(", ")} },`;
  });
  return `kiln = {\n${interfaces.join("\n")}\n}`;
}

const KILN = String.raw`
local host_call, where, load, error, select = __kiln_call, __kiln_where, load, error, select
__kiln_call, __kiln_where = nil, nil
local function call(name, n, ...)
  local args = {}
  for i = 1, n do local v = select(i, ...) if v == nil then args[i] = json_null else args[i] = v end end
  local ok, text = host_call(name, encode(args, "a value passed to " .. name))
  if not ok then error(text, 0) end
  return load("return " .. text, "=kiln", "t")()
end
local function fn(name, n) return function(...) return call(name, n, ...) end end
${luaKilnTable(SIGNATURE_TABLE)}`;

const RUN = String.raw`
-- Loads the script handing its text over in pieces: the first \`whole\` bytes at once, then \`step\` bytes at a
-- time. Returns what load returns, and the offset at which the last piece handed over starts (#code if the
-- lexer asked for more after the end). Lua's lexer always holds one character past the token it is on: when
-- a parse stops, that character is in the last piece.
local function load_pieces(code, whole, step)
  local given, last = 0, 0
  local chunk, problem = load(function ()
    if given >= #code then last = #code return nil end
    local piece = sub(code, given + 1, given + (given == 0 and whole > 0 and whole or step))
    last, given = given, given + #piece
    return piece
  end, "=script", "t")
  return chunk, problem, last
end

-- Where the token the parser stopped on ends: load again, the text up to the last piece at once, then byte by byte.
local function stopped_at(code, last)
  if last >= #code then return #code end
  local _, _, at = load_pieces(code, last, 1)
  return at
end

local function describe(e)
  if type(e) == "string" then return (gsub(e, "^kiln:%d+: ", "")) end
  if type(e) == "number" then return tostring(e) end
  local mt = getmetatable(e)
  if type(mt) == "table" and rawget(mt, "__tostring") ~= nil then
    local ok, text = pcall(tostring, e)
    if ok and type(text) == "string" then return text end
  end
  return "(error object is a " .. type(e) .. " value)"
end

local own_files = {}
for name in next, __kiln_files do own_files[name] = true end
local function script_frames(traceback)
  local frames = {}
  for frame in gmatch(traceback, "\n\t([^\n]*)") do
    if find(frame, "^script:") or own_files[match(frame, "^([^:]*):") or ""] then frames[#frames + 1] = frame
    elseif find(frame, "^%.%.%.") and #frames > 0 then frames[#frames + 1] = "..." end
  end
  if #frames > 0 then return concat(frames, "\n") end
end
`;

/**
 * The run's stdin, arguments and files, over `__kiln_stdin` and `__kiln_files` (set by the chunk just
 * before): `io.read` with every format of stock Lua ("n", "l", "L", "a", a count; several at once; a
 * leading "*" allowed), `io.lines()`, `io.stdin:read(…)`/`:lines(…)`, `io.input()`; reads past the end
 * answer nil ("a" answers ""). `require "name"` loads `name.lua` or `name/init.lua` (dots are folders),
 * once, as Debian's lua5.4 searches `/usr/share/lua/5.4/?.lua;/usr/share/lua/5.4/?/init.lua;./?.lua;./?/init.lua`:
 * first from Kiln's libraries (`__kiln_libs`, their text in the chunk: see libraries.ts), then from the
 * run's files, with `package.loaded`, `package.path` and `package.config`. A name found in neither lists
 * the modules the libraries offer.
 */
const INPUTS = String.raw`
local stdin_text, stdin_at, run_files, libs = __kiln_stdin, 1, __kiln_files, __kiln_libs
__kiln_stdin, __kiln_files, __kiln_libs = nil, nil, nil
local match, tointeger, unpack, setmetatable = string.match, math.tointeger, table.unpack, setmetatable
local function read_line(keep)
  if stdin_at > #stdin_text then return nil end
  local nl = find(stdin_text, "\n", stdin_at, true)
  local line
  if nl then line, stdin_at = sub(stdin_text, stdin_at, keep and nl or nl - 1), nl + 1
  else line, stdin_at = sub(stdin_text, stdin_at), #stdin_text + 1 end
  return line
end
-- As liolib's read_number: blanks skipped, then the longest prefix that looks like a numeral is consumed;
-- nil (fail) when it is not one.
local function read_number()
  stdin_at = select(2, find(stdin_text, "^%s*", stdin_at)) + 1
  local hex = find(stdin_text, "^[+-]?0[xX]", stdin_at) ~= nil
  local digit = hex and "%x" or "%d"
  local text = match(stdin_text, "^[+-]?" .. (hex and "0[xX]" or "") .. digit .. "*%.?" .. digit .. "*", stdin_at)
  if #text > 0 then text = text .. (match(stdin_text, hex and "^[pP][+-]?%d*" or "^[eE][+-]?%d*", stdin_at + #text) or "") end
  stdin_at = stdin_at + #text
  return tonumber(text)
end
local function read_count(n)
  if stdin_at > #stdin_text then return nil end
  local text = sub(stdin_text, stdin_at, stdin_at + n - 1)
  stdin_at = stdin_at + #text
  return text
end
local function read(...)
  local n = select("#", ...)
  if n == 0 then return read_line(false) end
  local out = {}
  for i = 1, n do
    local f, v = select(i, ...), nil
    if type(f) == "number" then
      local count = tointeger(f)
      if count == nil then error("bad argument #" .. i .. " to 'read' (number has no integer representation)", 2) end
      v = read_count(count)
    else
      if type(f) ~= "string" then error("bad argument #" .. i .. " to 'read' (invalid format)", 2) end
      local c = sub(f, 1, 1) == "*" and sub(f, 2, 2) or sub(f, 1, 1)
      if c == "n" then v = read_number()
      elseif c == "l" then v = read_line(false)
      elseif c == "L" then v = read_line(true)
      elseif c == "a" then v = sub(stdin_text, stdin_at); stdin_at = #stdin_text + 1
      else error("bad argument #" .. i .. " to 'read' (invalid format)", 2) end
    end
    out[i] = v
    if v == nil then return unpack(out, 1, i) end
  end
  return unpack(out, 1, n)
end
local function lines(...)
  local formats = { n = select("#", ...), ... }
  return function() return read(unpack(formats, 1, formats.n)) end
end
local stdin_methods = {
  read = function(_, ...) return read(...) end,
  lines = function(_, ...) return lines(...) end,
  close = function() return nil, "cannot close standard file" end,
}
local stdin = setmetatable({}, { __index = stdin_methods, __name = "FILE*", __tostring = function() return "file (stdin)" end })
io.read, io.stdin = read, stdin
io.input = function(file)
  if file ~= nil and file ~= stdin then error("bad argument #1 to 'input' (there are no files to open)", 2) end
  return stdin
end
io.lines = function(name, ...)
  if name ~= nil then error(tostring(name) .. ": No such file or directory", 2) end
  return lines(...)
end
local loaded = { _G = _G, coroutine = coroutine, table = table, io = io, os = os, string = string, math = math, utf8 = utf8 }
package = { loaded = loaded, path = "${LUA_LIBRARY_DIR}?.lua;${LUA_LIBRARY_DIR}?/init.lua;./?.lua;./?/init.lua", config = "/\n;\n?\n!\n-\n" }
require = function (name)
  if type(name) ~= "string" then error("bad argument #1 to 'require' (string expected, got " .. type(name) .. ")", 2) end
  if loaded[name] ~= nil then return loaded[name] end
  local base, tried = gsub(name, "%.", "/"), ""
  local candidates = { "${LUA_LIBRARY_DIR}" .. base .. ".lua", "${LUA_LIBRARY_DIR}" .. base .. "/init.lua", base .. ".lua", base .. "/init.lua" }
  for i = 1, 4 do
    local file = candidates[i]
    local text
    if i <= 2 then text = libs[sub(file, ${LUA_LIBRARY_DIR.length + 1})] else text = run_files[file] end
    if text ~= nil then
      local chunk, problem = load(text, "=" .. file, "t")
      if not chunk then error("error loading module '" .. name .. "' from file '" .. file .. "':\n\t" .. problem, 2) end
      local value = chunk(name, file)
      if value ~= nil then loaded[name] = value elseif loaded[name] == nil then loaded[name] = true end
      return loaded[name], file
    end
    tried = tried .. "\n\tno file '" .. file .. "'"
  end
  error("module '" .. name .. "' not found:\n\tno field package.preload['" .. name .. "']" .. tried .. "\n\tKiln's Lua libraries offer: ${LUA_LIBRARY_MODULES.join(", ")}", 2)
end
`;

/**
 * Whether a run needs INPUTS: it has stdin or files, or its code names `io`, `require` or `package`.
 * Compiling them costs every run that has them about 4 fuel units, so a script that names none of them
 * (and so cannot reach them, short of building the name at run time) does without.
 */
function needsInputs(code: string, options: { stdin?: string; files?: readonly unknown[] }): boolean {
  return options.stdin !== undefined || (options.files?.length ?? 0) > 0 || /\b(?:io|require|package)\b/.test(code);
}

/** A JSON value as a Lua expression. JSON null becomes nil. */
export function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") return Number.isInteger(value) && Math.abs(value) < 2 ** 53 ? String(value) : value.toExponential(17);
  if (typeof value === "string") return luaString(value);
  if (Array.isArray(value)) return `{${value.map(luaLiteral).join(",")}}`;
  return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `[${luaString(k)}]=${luaLiteral(v)}`).join(",")}}`;
}

/** A Lua string literal for any text: every byte outside printable ASCII is a decimal escape. */
function luaString(text: string): string {
  let out = '"';
  for (const byte of new TextEncoder().encode(text)) {
    out += byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c ? String.fromCharCode(byte) : `\\${String(byte).padStart(3, "0")}`;
  }
  return out + '"';
}

/**
 * The chunk that runs `code` with `inputJson` (`math.random` reseeded with `seed`) and returns the result
 * as JSON text. With `evaluateOnly` (a deploy-time check) it runs the script's top level only, never
 * `main`, and the result is null. `stdin` is what `io.read` reads, `args` are `arg[1..n]` (`arg[0]` is
 * "script") and the main chunk's `...`, and `files` are what `require` loads (see INPUTS).
 */
export function wrapLua(code: string, inputJson: string, seed = 0, options: { evaluateOnly?: boolean; stdin?: string; args?: readonly string[]; files?: readonly { name: string; content: string }[] } = {}): string {
  const args = options.args ?? [];
  const inputs = needsInputs(code, options);
  const libs = inputs ? luaLibraryFields([code, ...(options.files ?? []).map((f) => f.content)]) : "";
  return `${ENCODER}
${KILN}
__kiln_stdin = ${luaString(options.stdin ?? "")}
__kiln_files = {${(options.files ?? []).map((f) => `[${luaString(f.name)}]=${luaString(f.content)}`).join(",")}}
__kiln_libs = {${libs}}
${RUN}
${inputs ? INPUTS : ""}
__kiln_stdin, __kiln_files, __kiln_libs = nil, nil, nil
arg = {[0]="script"${args.map((a) => `,${luaString(a)}`).join("")}}
math.randomseed(${Math.trunc(seed)})
local input = ${luaLiteral(JSON.parse(inputJson))}
local code = ${luaString(code)}
local chunk, problem, last = load_pieces(code, 0, 1024)
if not chunk then
  if problem == "not enough memory" then error(problem, 0) end
  error("syntax:" .. stopped_at(code, last) .. ":" .. problem, 0)
end
local failure
local function handler(e)
  local line, traceback = where()
  failure = { message = describe(e), line = line, stack = script_frames(traceback) }
  return e
end
-- Called from xpcall (C), the chunk's frames read "in main chunk" and main's "in function 'main'".
local ok, result = xpcall(chunk, handler${args.map((a) => `, ${luaString(a)}`).join("")})
if ok then result = nil end
${options.evaluateOnly ? "" : 'if ok and type(main) == "function" then ok, result = xpcall(main, handler, input) end'}
if not ok then
  if failure == nil then error(result, 0) end
  error("guest:" .. encode(failure, "the error"), 0)
end
return encode(result, "the result")
`;
}
