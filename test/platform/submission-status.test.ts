import { describe, expect, it } from "vitest";
import type { RunOutcome } from "../../src/engine/engine.ts";
import { outputMatches, statusDescription, submissionResult } from "../../src/platform/submission-status.ts";

const usage = { fuel: 1, memoryBytes: 2048 * 1024, wallMs: 12 };
const ok = (stdout: string): RunOutcome => ({ ok: true, result: null, stdout, stderr: "", logs: [], usage });
const failed = (code: "guest_error" | "timeout" | "memory_exhausted" | "output_limit" | "fuel_exhausted" | "syntax_error", stderr = ""): RunOutcome => ({
  ok: false,
  error: { code, message: "ValueError: boom", stack: 'Traceback (most recent call last):\n  File "script.py", line 1\nValueError: boom' },
  stdout: "",
  stderr,
  logs: [],
  usage,
});
const plain = { expected_output: null, redirect_stderr_to_stdout: false };

describe("outputMatches (Judge0's comparison)", () => {
  it("ignores trailing whitespace on lines and trailing blank lines, nothing else", () => {
    expect(outputMatches("a\nb", "a  \nb\n\n")).toBe(true);
    expect(outputMatches(null, "anything")).toBe(true);
    expect(outputMatches("a\nb", "a\n b")).toBe(false);
    expect(outputMatches("A", "a")).toBe(false);
    expect(outputMatches("", null)).toBe(true);
  });
});

describe("submissionResult", () => {
  it("maps a result to Accepted or Wrong Answer, with time in seconds and memory in KB", () => {
    expect(submissionResult(ok("42\n"), { ...plain, expected_output: "42" })).toEqual({
      status_id: 3, stdout: "42\n", stderr: null, compile_output: null, message: null, exit_code: 0, exit_signal: null, time: "0.012", wall_time: "0.012", memory: 2048,
    });
    expect(submissionResult(ok("41\n"), { ...plain, expected_output: "42" }).status_id).toBe(4);
  });

  it("maps each guest error code to Judge0's status", () => {
    const re = submissionResult(failed("guest_error", "partial\n"), plain);
    expect(re).toMatchObject({ status_id: 11, exit_code: 1, message: "Exited with error status 1" });
    expect(re.stderr).toBe('partial\nTraceback (most recent call last):\n  File "script.py", line 1\nValueError: boom\n');
    expect(submissionResult(failed("syntax_error"), plain).status_id).toBe(11);
    expect(submissionResult(failed("timeout"), plain)).toMatchObject({ status_id: 5, exit_signal: 9 });
    expect(submissionResult(failed("fuel_exhausted"), plain).status_id).toBe(5);
    expect(submissionResult(failed("memory_exhausted"), plain)).toMatchObject({ status_id: 12, exit_signal: 9 });
    expect(submissionResult(failed("output_limit"), plain)).toMatchObject({ status_id: 8, exit_signal: 25 });
    expect(statusDescription(8)).toBe("Runtime Error (SIGXFSZ)");
  });

  it("appends stderr to stdout with redirect_stderr_to_stdout", () => {
    const out = submissionResult({ ...ok("out\n"), stderr: "err\n" }, { ...plain, redirect_stderr_to_stdout: true });
    expect(out).toMatchObject({ stdout: "out\nerr\n", stderr: null });
  });
});
