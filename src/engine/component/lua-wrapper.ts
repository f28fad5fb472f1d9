/**
 * The Lua chunk Kiln runs around a script: the input as a Lua value, the script loaded in text mode
 * under the name `script` (so its errors and line numbers are its own), then `main(input)` if the
 * script defines it, with the result encoded as JSON by a small encoder written in Lua. The global
 * `kiln` table is Kiln's host (wit/): `kiln.kv.get(key)`, `kiln.log.write(level, message)`, … over
 * the runtime's one host function; a refused call raises a Lua error `"<code>: <message>"`.
 */
const ENCODER = String.raw`
local json_null = {}
local function encode(v, depth)
  if depth > 100 then error("the result is nested too deeply", 0) end
  local t = type(v)
  if v == nil or v == json_null then return "null"
  elseif t == "boolean" then return tostring(v)
  elseif t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then error("the result is not JSON-serialisable: " .. tostring(v), 0) end
    if math.type(v) == "integer" then return string.format("%d", v) end
    return string.format("%.17g", v)
  elseif t == "string" then
    return '"' .. v:gsub('[%c"\\]', function (c) return string.format("\\u%04x", c:byte()) end) .. '"'
  elseif t == "table" then
    local n = #v
    if n > 0 or next(v) == nil then
      local parts = {}
      for i = 1, n do parts[i] = encode(v[i], depth + 1) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local parts = {}
    for k, x in pairs(v) do
      if type(k) ~= "string" then error("the result is not JSON-serialisable: a table mixes keys", 0) end
      parts[#parts + 1] = encode(k, depth + 1) .. ":" .. encode(x, depth + 1)
    end
    table.sort(parts)
    return "{" .. table.concat(parts, ",") .. "}"
  end
  error("the result is not JSON-serialisable: " .. t, 0)
end`;

const KILN = String.raw`
local host_call, load, error, select = __kiln_call, load, error, select
__kiln_call = nil
local function call(name, n, ...)
  local args = {}
  for i = 1, n do local v = select(i, ...) if v == nil then args[i] = json_null else args[i] = v end end
  local ok, text = host_call(name, encode(args, 0))
  if not ok then error(text, 3) end
  return load("return " .. text, "=kiln", "t")()
end
local function fn(name, n) return function(...) return call(name, n, ...) end end
kiln = {
  log = { write = fn("log.write", 2) },
  kv = { get = fn("kv.get", 1), set = fn("kv.set", 3), delete = fn("kv.delete", 1), list = fn("kv.list", 2) },
  http = { fetch = fn("http.fetch", 1) },
  secrets = { get = fn("secrets.get", 1) },
}`;

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

/** The chunk that runs `code` with `inputJson` (`math.random` reseeded with `seed`) and returns the result as JSON text. */
export function wrapLua(code: string, inputJson: string, seed = 0): string {
  return `${ENCODER}
${KILN}
math.randomseed(${Math.trunc(seed)})
local input = ${luaLiteral(JSON.parse(inputJson))}
local chunk, problem = load(${luaString(code)}, "=script", "t")
if not chunk then error("syntax:" .. problem, 0) end
chunk()
local result = nil
if type(main) == "function" then result = main(input) end
return encode(result, 0)
`;
}
