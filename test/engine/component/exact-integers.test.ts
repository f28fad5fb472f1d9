import { describe, expect, it } from "vitest";
import { inexactInteger } from "../../../src/engine/component/exact-integers.ts";

describe("inexactInteger", () => {
  it("finds integers outside ±2^53, wherever they are", () => {
    expect(inexactInteger("18446744073709551616")).toBe("18446744073709551616");
    expect(inexactInteger('{"a":[1,2,{"b":-9007199254740993}]}')).toBe("-9007199254740993");
    expect(inexactInteger("9223372036854775807")).toBe("9223372036854775807");
    expect(inexactInteger("10000000000000000")).toBe("10000000000000000");
  });

  it("passes integers within ±2^53, floats, and digits inside strings", () => {
    for (const json of ["9007199254740992", "-9007199254740992", "1.8446744073709552e+19", "0.12345678901234567890", '"18446744073709551616"', '{"18446744073709551617":1}', '"\\"18446744073709551617"']) {
      expect(inexactInteger(json), json).toBeUndefined();
    }
  });
});
