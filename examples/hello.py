# npx kiln run examples/hello.py --input '{"name":"Ada"}'
def main(input):
    name = (input or {}).get("name", "world")
    print(f"Hello, {name}!")
    return {"greeted": name}
