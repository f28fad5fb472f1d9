import type { RunOutcome } from "../engine/engine.ts";
import type { SubmissionRequest, SubmissionResult } from "./submission-queue.ts";

/** Judge0's statuses (app/enumerations/status.rb), id and description. */
export const SUBMISSION_STATUSES: readonly { id: number; description: string }[] = [
  { id: 1, description: "In Queue" },
  { id: 2, description: "Processing" },
  { id: 3, description: "Accepted" },
  { id: 4, description: "Wrong Answer" },
  { id: 5, description: "Time Limit Exceeded" },
  { id: 6, description: "Compilation Error" },
  { id: 7, description: "Runtime Error (SIGSEGV)" },
  { id: 8, description: "Runtime Error (SIGXFSZ)" },
  { id: 9, description: "Runtime Error (SIGFPE)" },
  { id: 10, description: "Runtime Error (SIGABRT)" },
  { id: 11, description: "Runtime Error (NZEC)" },
  { id: 12, description: "Runtime Error (Other)" },
  { id: 13, description: "Internal Error" },
  { id: 14, description: "Exec Format Error" },
];

export function statusDescription(id: number): string {
  return SUBMISSION_STATUSES.find((s) => s.id === id)?.description ?? "Internal Error";
}

/**
 * Judge0's comparison of `expected_output` with stdout: each line's trailing whitespace and the
 * trailing blank lines are ignored (isolate_job.rb's `strip`).
 */
export function outputMatches(expected: string | null, stdout: string | null): boolean {
  if (expected === null) return true;
  const strip = (text: string | null) => (text ?? "").split("\n").map((l) => l.trimEnd()).join("\n").trimEnd();
  return strip(expected) === strip(stdout);
}

const seconds = (ms: number | null) => (ms === null ? null : (ms / 1000).toFixed(3));

/**
 * A Kiln run's outcome in Judge0's terms:
 * - a result: Accepted (3), or Wrong Answer (4) when `expected_output` differs; exit code 0;
 * - `guest_error`, `syntax_error`: Runtime Error (NZEC, 11), exit code 1, the error's text after stderr;
 * - `timeout`, `fuel_exhausted`: Time Limit Exceeded (5), signal 9;
 * - `memory_exhausted`: Runtime Error (Other, 12), signal 9, as a process killed at its memory cap;
 * - `output_limit`: Runtime Error (SIGXFSZ, 8), signal 25, as a process past its file size limit.
 */
export function submissionResult(outcome: RunOutcome, request: Pick<SubmissionRequest, "expected_output" | "redirect_stderr_to_stdout">): SubmissionResult {
  let stdout = outcome.stdout;
  let stderr = outcome.stderr;
  let status_id: number;
  let exit_code: number | null = 0;
  let exit_signal: number | null = null;
  let message: string | null = null;
  if (outcome.ok) {
    status_id = outputMatches(request.expected_output, stdout || null) ? 3 : 4;
  } else {
    const error = outcome.error;
    switch (error.code) {
      case "guest_error":
      case "syntax_error": {
        status_id = 11;
        exit_code = 1;
        message = "Exited with error status 1";
        const text = error.stack && error.stack.includes(error.message) ? error.stack : [error.message, error.stack].filter(Boolean).join("\n");
        stderr = `${stderr}${stderr && !stderr.endsWith("\n") ? "\n" : ""}${text.trimEnd()}\n`;
        break;
      }
      case "timeout":
      case "fuel_exhausted":
        status_id = 5;
        exit_signal = 9;
        message = "Time limit exceeded";
        break;
      case "memory_exhausted":
        status_id = 12;
        exit_signal = 9;
        message = "Memory limit exceeded";
        break;
      case "output_limit":
        status_id = 8;
        exit_signal = 25;
        message = "Output limit exceeded";
        break;
    }
  }
  if (request.redirect_stderr_to_stdout) {
    stdout += stderr;
    stderr = "";
  }
  const memory = outcome.usage.memoryBytes === null ? null : Math.round(outcome.usage.memoryBytes / 1024);
  return {
    status_id,
    stdout: stdout || null,
    stderr: stderr || null,
    compile_output: null,
    message,
    exit_code,
    exit_signal,
    time: seconds(outcome.usage.wallMs),
    wall_time: seconds(outcome.usage.wallMs),
    memory,
  };
}
