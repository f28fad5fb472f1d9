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
};
