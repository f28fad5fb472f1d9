/**
 * Kiln's scripts (`export default (input) => …`) as each peer takes code: a global script that answers the
 * default export's result as JSON (quickjs-emscripten, isolated-vm, node:vm), or a module whose default
 * export is that result (@sebastianwessel/quickjs).
 */
export function asScript(code: string, input: unknown): string {
  return `${code.replace("export default", "const __main =")}\n;JSON.stringify(__main(${JSON.stringify(input ?? null)}))`;
}

export function asModule(code: string, input: unknown): string {
  return `${code.replace("export default", "const __main =")}\n;export default __main(${JSON.stringify(input ?? null)})`;
}
