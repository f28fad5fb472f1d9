/**
 * Sets the maximum of a core wasm module's own memory by rewriting its memory section in the binary
 * (no re-encoding of code: fast enough per instance size). The guest can then never grow past it:
 * `memory.grow` fails and the guest's allocator reports out of memory.
 */
export function patchMemoryMax(bytes: Uint8Array, maxPages: number): Uint8Array<ArrayBuffer> {
  if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw new Error("patchMemoryMax: not a wasm module");
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos]!;
    const [size, sizeLen] = readU32(bytes, pos + 1);
    const body = pos + 1 + sizeLen;
    if (id === 5) {
      const [count, countLen] = readU32(bytes, body);
      if (count !== 1) throw new Error("patchMemoryMax: expected exactly one memory");
      const flags = bytes[body + countLen]!;
      if (flags & ~0x01) throw new Error("patchMemoryMax: shared or 64-bit memories are not supported");
      const [min, minLen] = readU32(bytes, body + countLen + 1);
      if (min > maxPages) throw new Error(`patchMemoryMax: the module needs ${min} pages, more than ${maxPages}`);
      const section = [...writeU32(1), 0x01, ...writeU32(min), ...writeU32(maxPages)];
      return concat(bytes.subarray(0, pos), Uint8Array.of(5, ...writeU32(section.length), ...section), bytes.subarray(body + size));
    }
    pos = body + size;
  }
  throw new Error("patchMemoryMax: the module defines no memory");
}

function readU32(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const byte = bytes[i++]!;
    value |= (byte & 0x7f) << shift;
    if (!(byte & 0x80)) return [value >>> 0, i - at];
    shift += 7;
  }
}

function writeU32(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
