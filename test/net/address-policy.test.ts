import { describe, expect, it } from "vitest";
import { forbiddenAddressReason, parseIPv6 } from "../../src/net/address-policy.ts";

const closed = { allowPrivate: false };
const open = { allowPrivate: true };

describe("forbiddenAddressReason", () => {
  const banned = [
    "127.0.0.1", "127.255.255.254", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1",
    "169.254.169.254", "0.0.0.0", "224.0.0.1", "255.255.255.255",
    "::1", "[::1]", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:169.254.169.254", "64:ff9b::7f00:1", "2002:7f00:1::", "::127.0.0.1",
  ];
  for (const address of banned) {
    it(`refuses ${address}`, () => expect(forbiddenAddressReason(address, closed)).toBeTypeOf("string"));
  }
  for (const address of ["8.8.8.8", "1.1.1.1", "172.32.0.1", "2606:4700:4700::1111", "93.184.216.34"]) {
    it(`allows ${address}`, () => expect(forbiddenAddressReason(address, closed)).toBeUndefined());
  }

  it("lifts only the loopback and private ban with the switch", () => {
    for (const a of ["127.0.0.1", "10.0.0.1", "::1", "::ffff:127.0.0.1", "fc00::1"]) expect(forbiddenAddressReason(a, open)).toBeUndefined();
    for (const a of ["169.254.169.254", "fd00:ec2::254", "fe80::1", "0.0.0.0"]) expect(forbiddenAddressReason(a, open)).toBeTypeOf("string");
  });

  it("sees the WHATWG URL forms of IPv4 (decimal, octal, hex, short) as the address they are", () => {
    for (const url of ["http://2130706433/", "http://0177.0.0.1/", "http://0x7f.0.0.1/", "http://127.1/", "http://017700000001/"]) {
      expect(forbiddenAddressReason(new URL(url).hostname, closed)).toBeTypeOf("string");
    }
  });

  it("parses IPv6 text strictly", () => {
    expect(parseIPv6("::1")).toEqual([...Array(15).fill(0), 1]);
    expect(parseIPv6("1:2:3:4:5:6:7:8:9")).toBeUndefined();
    expect(parseIPv6("1::2::3")).toBeUndefined();
    expect(parseIPv6("example.com")).toBeUndefined();
    expect(forbiddenAddressReason("not-an-ip", closed)).toBe("not an IP address");
  });
});
