/** Strings (skipped whole, escapes included) and number tokens of JSON text, in order. */
const TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
const LIMIT = 2n ** 53n;

/**
 * The first integer in a guest's JSON text outside ±2^53, such as Python's `2**64` or Lua's
 * `math.maxinteger`. JSON numbers are doubles to Kiln and to most clients, and past 2^53 a double
 * no longer holds every integer: `2**64` would come back as `18446744073709552000`. Numbers written
 * with a fraction or an exponent are floats already, and pass.
 */
export function inexactInteger(json: string): string | undefined {
  for (const [token] of json.matchAll(TOKENS)) {
    // 2^53 has 16 digits: anything shorter is inside.
    if (token.length < 16 || token[0] === '"' || /[.eE]/.test(token)) continue;
    const n = BigInt(token);
    if (n > LIMIT || n < -LIMIT) return token;
  }
  return undefined;
}
