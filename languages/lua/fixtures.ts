/**
 * Lua's conformance fixtures: the behaviours every language shows (test/languages/cases.ts
 * says what each one must do). test/languages/every-language.test.ts runs them for every language in
 * languages/index.ts, so a new language's folder needs its own.
 */
import { luaLiteral, luaName } from "./binding.ts";

export const cases = {
  greet: `function main(i) return "hi " .. i.name end`,
  greetAgain: `function main(i) return "hello " .. i.name end`,
  counter: `kiln.kv.set("top", "ran")
function main(i)
  local n = tonumber(kiln.kv.get("count") or "0") + 1
  kiln.kv.set("count", tostring(n))
  return n
end`,
  clock: `function main(i)
  local c0 = os.clock()
  local x = 0
  for k = 1, 300000 do x = x + k end
  return { os.time(), os.clock() - c0 }
end`,
  syntaxError: `local a = 1\nlocal b = = 2`,
  syntax: { line: 2, column: 11 },
  guestError: `function main(i)\n  local x = 1\n  error("boom " .. x)\nend`,
  hugeInteger: `function main(i) return math.maxinteger end`,
  caughtHostError: `function main(i)
  local ok, err = pcall(kiln.kv.get, "a")
  return { err:match("^(%a[%w_]*): "), err }
end`,
  // pcall answers the error "<code>: <message>"; a call that answers nil leaves the pair as {"ok"}.
  hostCalls: (calls: readonly { iface: string; fn: string; args: readonly unknown[] }[]) => `local function attempt(f)
  local ok, v = pcall(f)
  if ok then return { "ok", v } end
  return { "err", v:match("^(%a[%w_]*): ") }
end
function main(input)
  return {
${calls.map((c) => `    attempt(function () return kiln.${luaName(c.iface)}.${luaName(c.fn)}(${c.args.map(luaLiteral).join(", ")}) end),`).join("\n")}
  }
end`,
  capabilities: `function main(input)
  kiln.kv.set("greeting", "hi")
  local value = kiln.kv.get("greeting")
  local ok, err = pcall(kiln.http.fetch, "https://example.com/")
  kiln.log.write("info", "capabilities ran")
  return { value, err:match("^(%a[%w_]*): ") }
end`,
  stdinAll: `function main() return io.read("a") end`,
  stdinLines: `function main()
  local lines = { io.stdin:read("l") }
  for line in io.lines() do lines[#lines + 1] = line end
  return lines
end`,
  stdinNumbers: `function main()
  local a, b = io.read("n", "n")
  local c = io.read("*n")
  return a + b + c
end`,
  args: `local top = { ... }
function main()
  if arg[0] ~= "script" or #arg ~= #top then return nil end
  for i = 1, #arg do if arg[i] ~= top[i] then return nil end end
  return top
end`,
  importFiles: {
    code: `local util = require "util"
local greeting = require "lib.greeting"
function main() return { util.double(21), greeting.greet("ada") } end`,
    files: [
      { name: "util.lua", content: `local M = {}\nfunction M.double(n) return n * 2 end\nreturn M` },
      { name: "lib/greeting.lua", content: `local util = require "util"\nreturn { greet = function(name) return "hi " .. name .. " " .. util.double(1) end }` },
    ],
  },
  importUtil: `local util = require "util"\nfunction main() return util.double(21) end`,
};
