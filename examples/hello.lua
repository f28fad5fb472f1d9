-- npx kiln run examples/hello.lua --input '{"name":"Ada"}'
function main(input)
  local name = (input and input.name) or "world"
  print("Hello, " .. name .. "!")
  return { greeted = name }
end
