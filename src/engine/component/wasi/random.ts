/**
 * `wasi:random/*` for one instance: a seeded xorshift generator, so the same seed draws the same bytes.
 * The engine starts an instance on a fixed seed and reseeds it for each run from the host's random source.
 */
export function randomImports(seed: bigint) {
  let state = seed || 0x9e3779b97f4a7c15n;
  /** Starts the stream again from another seed (a run's own, once its runtime has initialised). */
  const reseed = (next: bigint) => {
    state = next || 0x9e3779b97f4a7c15n;
  };
  const next = (): bigint => {
    state ^= (state << 13n) & 0xffffffffffffffffn;
    state ^= state >> 7n;
    state ^= (state << 17n) & 0xffffffffffffffffn;
    return state;
  };
  const bytes = (len: bigint): Uint8Array => {
    if (len > 1n << 20n) throw new Error("random: at most 1 MiB per call");
    const out = new Uint8Array(Number(len));
    for (let i = 0; i < out.length; i += 8) {
      let v = next();
      for (let j = i; j < Math.min(i + 8, out.length); j++, v >>= 8n) out[j] = Number(v & 0xffn);
    }
    return out;
  };
  const random = { getRandomBytes: bytes, getRandomU64: next };
  return {
    reseed,
    imports: {
      "wasi:random/random": random,
      "wasi:random/insecure": { getInsecureRandomBytes: bytes, getInsecureRandomU64: next },
      "wasi:random/insecure-seed": { insecureSeed: (): [bigint, bigint] => [next(), next()] },
    },
  };
}
