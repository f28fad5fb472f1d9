/** Kiln's run outcomes in Piston's terms: each error code's status and signal, exits the program asked for, tracebacks on stderr. */
import { describe, expect, it } from "vitest";
import type { RunOutcome } from "../../../src/engine/engine.ts";
import { GUEST_ERROR_CODES, type GuestError } from "../../../src/errors.ts";
import { PISTON_STATUS_OF, pistonStage } from "../../../src/http/piston/piston-status.ts";

const usage = { fuel: 3, memoryBytes: 1 << 20, wallMs: 7 };
const failed = (error: GuestError, stdout = "", stderr = ""): RunOutcome => ({ ok: false, error, stdout, stderr, logs: [], usage });

describe("pistonStage", () => {
  it("maps every Kiln error code", () => {
    expect(Object.keys(PISTON_STATUS_OF).sort()).toEqual([...GUEST_ERROR_CODES].sort());
  });

  it("gives a success code 0 and no status, with the usage", () => {
    expect(pistonStage({ ok: true, result: null, stdout: "hi\n", stderr: "w\n", logs: [], usage })).toEqual({
      stdout: "hi\n", stderr: "w\n", output: "hi\nw\n", code: 0, signal: null, message: null, status: null, cpu_time: 7, wall_time: 7, memory: 1 << 20,
    });
  });

  it("kills a trapped run: TO, OL and SG with SIGKILL and no exit code", () => {
    for (const [code, status] of [["timeout", "TO"], ["fuel_exhausted", "TO"], ["output_limit", "OL"], ["memory_exhausted", "SG"]] as const) {
      expect(pistonStage(failed({ code, message: "the limit" }, "part"))).toMatchObject({ stdout: "part", code: null, signal: "SIGKILL", status, message: "the limit" });
    }
  });

  it("puts an uncaught exception's message and stack on stderr after the program's own, with exit status 1", () => {
    const run = pistonStage(failed({ code: "guest_error", message: "Error: boom", stack: "    at f (script.js:2:7)\n" }, "out\n", "warned\n"));
    expect(run).toMatchObject({ code: 1, status: "RE", signal: null, message: "Exited with error status 1", stderr: "warned\nError: boom\n    at f (script.js:2:7)\n" });
    expect(run.output).toBe("out\nwarned\nError: boom\n    at f (script.js:2:7)\n");
  });

  it("keeps the exit status a program asked for, printing nothing", () => {
    expect(pistonStage(failed({ code: "guest_error", message: "SystemExit: 3" }))).toMatchObject({ code: 3, status: "RE", stderr: "" });
    expect(pistonStage(failed({ code: "guest_error", message: "exit 4" }))).toMatchObject({ code: 4, status: "RE", stderr: "" });
    expect(pistonStage(failed({ code: "guest_error", message: "SystemExit: 256" }))).toMatchObject({ code: 0, status: null, message: null });
    expect(pistonStage(failed({ code: "guest_error", message: "SystemExit: bye" }))).toMatchObject({ code: 1, status: "RE", stderr: "bye\n" });
    expect(pistonStage(failed({ code: "guest_error", message: "the guest exited (error)" }))).toMatchObject({ code: 1, stderr: "" });
    // An exception whose text only looks like an exit is an exception.
    expect(pistonStage(failed({ code: "guest_error", message: "RuntimeError: exit 3" }))).toMatchObject({ code: 1, stderr: "RuntimeError: exit 3\n" });
  });
});
