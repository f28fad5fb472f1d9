import { SIGNATURE_TABLE, type Signature } from "../../capabilities/wit.ts";
import { camelCase } from "../../capabilities/wit-codegen.ts";

/** The global (symbol-keyed, non-enumerable) where the prelude leaves the host bridge for the `kiln` module. */
export const BRIDGE_KEY = "kiln.bridge";

/**
 * Source of the guest's `kiln` module, generated once, when this file loads, from the WIT signatures (src/capabilities/wit.ts):
 * `import { kv, http, log, secrets } from "kiln"`. Each function sends its arguments to the host as
 * JSON and decodes a JSON answer, so only plain data crosses; async functions return promises.
 * A refused call throws a `HostError` whose `code` is the WIT error (`capability_denied`…).
 * Compiled only when a script imports it.
 */
export const GUEST_KILN_MODULE = guestKilnModule(SIGNATURE_TABLE);

/** The `kiln` module's source for a signature table (interface → function, camelCase → signature). Names are JavaScript's: the WIT's in camelCase. */
export function guestKilnModule(signatures: Readonly<Record<string, Readonly<Record<string, Signature>>>>): string {
  const interfaces = Object.entries(signatures).map(([iface, fns]) => {
    const members = Object.entries(fns).map(([fn, sig]) => `${fn}: ${sig.async ? "callAsync" : "call"}(${JSON.stringify(iface)}, ${JSON.stringify(fn)})`);
    return `const ${camelCase(iface)} = freeze({ ${members.join(", ")} });`;
  });
  const names = Object.keys(signatures).map(camelCase);
  return `const key = Symbol.for(${JSON.stringify(BRIDGE_KEY)});
const bridge = globalThis[key];
const { stringify, parse } = JSON;
const { freeze } = Object;
class HostError extends Error {
  constructor(code, message) { super(code + ": " + message); this.code = code; }
  get name() { return "HostError"; }
}
const unwrap = (text) => {
  const answer = parse(text);
  if (answer.err) throw new HostError(answer.err.code, answer.err.message);
  return answer.ok;
};
const encode = (args) => stringify(args.map((a) => (a === undefined ? null : a)));
const call = (iface, fn) => (...args) => unwrap(bridge(iface, fn, encode(args)));
const callAsync = (iface, fn) => async (...args) => unwrap(await bridge(iface, fn, encode(args)));
${interfaces.join("\n")}
export { ${names.join(", ")}, HostError };
export default freeze({ ${names.join(", ")} });
`;
}
