/**
 * Which network addresses a guest's outbound request may reach. Loopback, private, link-local,
 * metadata and other special-purpose ranges are refused; `allowPrivate` (a server switch, off by
 * default) lifts the loopback and private ban only, never link-local or metadata.
 */
export interface AddressPolicyOptions {
  allowPrivate: boolean;
}

type Range = [bytes: number[], prefix: number, kind: "private" | "special"];

const V4: Range[] = [
  [[0, 0, 0, 0], 8, "special"], // "this" network
  [[10, 0, 0, 0], 8, "private"],
  [[100, 64, 0, 0], 10, "private"], // carrier-grade NAT
  [[127, 0, 0, 0], 8, "private"], // loopback
  [[169, 254, 0, 0], 16, "special"], // link-local, cloud metadata
  [[172, 16, 0, 0], 12, "private"],
  [[192, 0, 0, 0], 24, "special"],
  [[192, 0, 2, 0], 24, "special"], // documentation
  [[192, 168, 0, 0], 16, "private"],
  [[198, 18, 0, 0], 15, "special"], // benchmarking
  [[198, 51, 100, 0], 24, "special"],
  [[203, 0, 113, 0], 24, "special"],
  [[224, 0, 0, 0], 4, "special"], // multicast
  [[240, 0, 0, 0], 4, "special"], // reserved, broadcast
];

const V6: Range[] = [
  [[0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54], 128, "special"], // fd00:ec2::254, a cloud metadata address
  [[...Array(16).fill(0)], 127, "special"], // :: and ::1 (::1 handled below as loopback)
  [[0xfc, ...Array(15).fill(0)], 7, "private"], // unique local
  [[0xfe, 0x80, ...Array(14).fill(0)], 10, "special"], // link-local
  [[0xff, ...Array(15).fill(0)], 8, "special"], // multicast
  [[0x20, 0x01, 0x0d, 0xb8, ...Array(12).fill(0)], 32, "special"], // documentation
];

/** Why `address` (an IPv4 or IPv6 literal) may not be reached, or undefined when it may. */
export function forbiddenAddressReason(address: string, options: AddressPolicyOptions): string | undefined {
  const bare = address.replace(/^\[|\]$/g, "");
  const v4 = parseIPv4(bare);
  if (v4) return check(v4, V4, options);
  const v6 = parseIPv6(bare);
  if (!v6) return "not an IP address";
  // IPv4 inside IPv6: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::/96), 6to4 (2002::/16).
  const zeros = (n: number) => v6.slice(0, n).every((b) => b === 0);
  if (zeros(10) && v6[10] === 0xff && v6[11] === 0xff) return check(v6.slice(12), V4, options);
  if (zeros(12) && !(zeros(15) && (v6[15] === 0 || v6[15] === 1))) return check(v6.slice(12), V4, options);
  if (v6[0] === 0 && v6[1] === 0x64 && v6[2] === 0xff && v6[3] === 0x9b && zeros(0)) return check(v6.slice(12), V4, options);
  if (v6[0] === 0x20 && v6[1] === 0x02) return check(v6.slice(2, 6), V4, options);
  if (zeros(15) && v6[15] === 1) return options.allowPrivate ? undefined : "a loopback address";
  return check(v6, V6, options);
}

function check(bytes: number[], ranges: Range[], options: AddressPolicyOptions): string | undefined {
  for (const [base, prefix, kind] of ranges) {
    if (!inRange(bytes, base, prefix)) continue;
    if (kind === "private" && options.allowPrivate) return undefined;
    return kind === "private" ? "a loopback or private address" : "a link-local, metadata or reserved address";
  }
  return undefined;
}

function inRange(bytes: number[], base: number[], prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit++) {
    const i = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((bytes[i]! & mask) !== (base[i]! & mask)) return false;
  }
  return true;
}

/** Strict dotted-quad IPv4 (URL parsing has already turned decimal, octal and hex forms into this). */
export function parseIPv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

/** IPv6 text (with `::` and an optional trailing dotted quad) to 16 bytes. */
export function parseIPv6(text: string): number[] | undefined {
  const zone = text.indexOf("%");
  const body = (zone >= 0 ? text.slice(0, zone) : text).toLowerCase();
  if (!/^[0-9a-f:.]+$/.test(body) || !body.includes(":")) return undefined;
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const words = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    const groups = part.split(":");
    for (const [i, g] of groups.entries()) {
      if (i === groups.length - 1 && g.includes(".")) {
        const v4 = parseIPv4(g);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-f]{1,4}$/.test(g)) out.push(parseInt(g, 16));
      else return undefined;
    }
    return out;
  };
  const head = words(halves[0]!);
  const tail = halves.length === 2 ? words(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return undefined;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}
