/**
 * Lua's conformance fixtures: the behaviours every language shows (test/languages/cases.ts
 * says what each one must do). test/languages/every-language.test.ts runs them for every language in
 * languages/index.ts, so a new language's folder needs its own.
 */
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
};
