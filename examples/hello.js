// npx kiln run examples/hello.js --input '{"name":"Ada"}'
export default (input) => {
  const name = input?.name ?? "world";
  console.log(`Hello, ${name}!`);
  return { greeted: name };
};
