# npx kiln run examples/hello.rb --input '{"name":"Ada"}'
def main(input)
  name = (input || {}).fetch("name", "world")
  puts "Hello, #{name}!"
  { "greeted" => name }
end
