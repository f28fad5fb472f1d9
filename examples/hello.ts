// npx kiln run examples/hello.ts --input '{"name":"Ada"}'
interface Input {
  name?: string;
}

export default (input: Input | null): { greeted: string } => {
  const name = input?.name ?? "world";
  console.log(`Hello, ${name}!`);
  return { greeted: name };
};
