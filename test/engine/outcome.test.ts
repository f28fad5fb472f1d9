/** The one place a run's failure is classified (src/engine/outcome.ts), as both engines call it. */
import { describe, expect, it } from "vitest";
import { endedNearCap, escapedError, ranOutOfMemory, trapError } from "../../src/engine/outcome.ts";
import { job } from "../helpers/fixtures.ts";

const MB = 1024 * 1024;
const limits = job("javascript", "", { limits: { memoryMb: 64, fuel: 1000 } }).limits;

describe("the memory rule", () => {
  it("is near the cap within 2 MiB of it, or a twentieth of a cap past 40 MiB", () => {
    expect(endedNearCap(21 * MB, 24)).toBe(false);
    expect(endedNearCap(22 * MB, 24)).toBe(true);
    expect(endedNearCap(60 * MB, 64)).toBe(false);
    expect(endedNearCap(61 * MB, 64)).toBe(true);
    expect(endedNearCap(970 * MB, 1024)).toBe(false);
    expect(endedNearCap(973 * MB, 1024)).toBe(true);
  });

  it("makes a guest-reported failure at the cap running out of memory, never a limit the host enforced", () => {
    const near = { nearCap: true, trustSuccess: true };
    expect(ranOutOfMemory({ ok: false, error: { code: "guest_error", message: "Uncaught null" } }, near)).toBe(true);
    expect(ranOutOfMemory({ ok: false, error: { code: "syntax_error", message: "x" } }, near)).toBe(true);
    expect(ranOutOfMemory({ ok: false, error: trapError("timeout", limits) }, near)).toBe(false);
    expect(ranOutOfMemory({ ok: false, error: trapError("fuel_exhausted", limits) }, near)).toBe(false);
    expect(ranOutOfMemory({ ok: false, error: { code: "guest_error", message: "x" } }, { ...near, nearCap: false })).toBe(false);
  });

  it("makes a success at the cap running out of memory only where successes there are not trusted (QuickJS)", () => {
    expect(ranOutOfMemory({ ok: true }, { nearCap: true, trustSuccess: true })).toBe(false);
    expect(ranOutOfMemory({ ok: true }, { nearCap: true, trustSuccess: false })).toBe(true);
    expect(ranOutOfMemory({ ok: true }, { nearCap: false, trustSuccess: false })).toBe(false);
  });

  it("believes a guest that says it ran out of memory, wherever its memory ended", () => {
    expect(ranOutOfMemory({ ok: false, outOfMemory: true }, { nearCap: false, trustSuccess: true })).toBe(true);
  });
});

describe("an exception that escaped the guest", () => {
  const trap = new WebAssembly.RuntimeError("unreachable");
  const overflow = new RangeError("Maximum call stack size exceeded");

  it("is the first limit that fired: output, deadline, fuel, memory", () => {
    const all = { outputOverflowed: true, deadlineReached: true, fuelExhausted: true, nearCap: true, traps: "guest" as const };
    expect(escapedError(trap, all, limits)?.code).toBe("output_limit");
    expect(escapedError(trap, { ...all, outputOverflowed: false }, limits)?.code).toBe("timeout");
    expect(escapedError(trap, { ...all, outputOverflowed: false, deadlineReached: false }, limits)).toEqual(trapError("fuel_exhausted", limits));
    expect(escapedError(trap, { nearCap: true, exited: "exit 1", traps: "host" }, limits)).toEqual({ code: "memory_exhausted", message: "The script reached its memory cap (64 MiB)" });
  });

  it("is the guest's exit, or a trap that is the guest's own (components)", () => {
    expect(escapedError(new Error("exit"), { nearCap: false, exited: "exited with 3", traps: "guest" }, limits)).toEqual({ code: "guest_error", message: "exited with 3" });
    expect(escapedError(trap, { nearCap: false, traps: "guest" }, limits)).toEqual({ code: "guest_error", message: "RuntimeError: unreachable" });
    expect(escapedError(overflow, { nearCap: false, traps: "guest" }, limits)).toEqual({ code: "guest_error", message: "RangeError: Maximum call stack size exceeded" });
  });

  it("is, in QuickJS, a stack overflow of the script; any other trap is a host bug", () => {
    expect(escapedError(overflow, { nearCap: false, traps: "host" }, limits)).toMatchObject({ code: "guest_error", message: expect.stringContaining("stack overflow") });
    expect(escapedError(trap, { nearCap: false, traps: "host" }, limits)).toBeUndefined();
    expect(escapedError(new TypeError("bug"), { nearCap: false, traps: "guest" }, limits)).toBeUndefined();
  });
});
