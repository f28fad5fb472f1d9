/**
 * The one line Kiln runs for a Python script: `kiln_runner.run` (languages/python/kiln_runner.py,
 * preloaded in the runtime's Wizer snapshot) installs the `kiln` module, reseeds `random` with
 * `seed`, runs the script in a fresh `__main__` namespace and calls `main(input)` if it is defined,
 * unless `evaluateOnly` (a deploy-time check: the top level only, the result is null).
 * `__kiln_out__` becomes its JSON envelope.
 */
export function wrapPython(code: string, inputJson: string, seed: number, options: { evaluateOnly?: boolean } = {}): string {
  const evaluateOnly = options.evaluateOnly === true ? "True" : "False";
  return `__kiln_out__ = __import__("kiln_runner").run(${pythonString(code)}, ${pythonString(inputJson)}, ${Math.trunc(seed)}, ${evaluateOnly})\n`;
}

/** A Python string literal for any text: only printable ASCII stays as is; lone surrogates become U+FFFD. */
export function pythonString(text: string): string {
  let out = '"';
  for (const ch of text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd")) {
    const c = ch.codePointAt(0)!;
    out += c >= 0x20 && c < 0x7f && ch !== '"' && ch !== "\\" ? ch : `\\U${c.toString(16).padStart(8, "0")}`;
  }
  return out + '"';
}
