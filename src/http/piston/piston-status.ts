import type { RunOutcome } from "../../engine/engine.ts";
import type { GuestError, GuestErrorCode } from "../../errors.ts";

/** Piston's status of a stage: runtime error, signal, timeout, stdout/stderr over its limit, internal error. */
export type PistonStatus = "RE" | "SG" | "TO" | "OL" | "EL" | "XX";

/** One stage of a Piston answer (`run`). */
export interface PistonStage {
  stdout: string;
  stderr: string;
  /** Both streams: Kiln keeps them apart, so stdout then stderr rather than interleaved. */
  output: string;
  code: number | null;
  signal: string | null;
  message: string | null;
  status: PistonStatus | null;
  /** Milliseconds; Kiln does not measure CPU time apart from wall time, so the run's wall time. */
  cpu_time: number;
  wall_time: number;
  /** Bytes: the sandbox's memory at the end of the run (null when the watchdog stopped it). */
  memory: number | null;
}

/**
 * How each of Kiln's error codes shows in Piston's terms. A trap is a kill (`SIGKILL`, no exit code),
 * as Piston's isolate kills a process over its limits; a guest's own failure is an exit with status 1,
 * its traceback on stderr, as the native interpreter would.
 */
export const PISTON_STATUS_OF: Record<GuestErrorCode, { status: PistonStatus; signal: "SIGKILL" | null }> = {
  syntax_error: { status: "RE", signal: null },
  guest_error: { status: "RE", signal: null },
  timeout: { status: "TO", signal: "SIGKILL" },
  fuel_exhausted: { status: "TO", signal: "SIGKILL" },
  output_limit: { status: "OL", signal: "SIGKILL" },
  memory_exhausted: { status: "SG", signal: "SIGKILL" },
};

/**
 * A program that asked to exit (`sys.exit(3)`, Ruby's `exit 3`, `exit!`): its exit status, and whether
 * the interpreter would have printed anything (it would not). Kiln reports such an exit as a
 * `guest_error` whose message is the exit: Python's `SystemExit: <status>`, Ruby's `exit <status>`,
 * and the WASI host's "the guest exited (error)" for one that left without a status. Undefined: any
 * other failure.
 */
function requestedExit(error: GuestError): { code: number; stderr: string } | undefined {
  const status = /^(?:SystemExit: |exit )(-?\d+)$/.exec(error.message)?.[1];
  if (status !== undefined) return { code: ((Number(status) % 256) + 256) % 256, stderr: "" };
  // sys.exit("text") prints the text and exits with status 1.
  const text = /^SystemExit: ([\s\S]*)$/.exec(error.message)?.[1];
  if (text !== undefined) return { code: 1, stderr: `${text}\n` };
  if (error.message === "the guest exited (error)") return { code: 1, stderr: "" };
  return undefined;
}

/** What the native interpreter would print for an uncaught failure: the message (a traceback where the language gives one) and the stack. */
function failureText(error: GuestError): string {
  const text = error.stack && !error.message.includes(error.stack.trim()) ? `${error.message}\n${error.stack.replace(/\n+$/, "")}` : error.message;
  return text.endsWith("\n") ? text : `${text}\n`;
}

/** A Kiln run as Piston's `run` stage. */
export function pistonStage(outcome: RunOutcome): PistonStage {
  const usage = { cpu_time: outcome.usage.wallMs, wall_time: outcome.usage.wallMs, memory: outcome.usage.memoryBytes };
  const done = (stderr: string, rest: Pick<PistonStage, "code" | "signal" | "message" | "status">): PistonStage => ({
    stdout: outcome.stdout,
    stderr,
    output: outcome.stdout + stderr,
    ...rest,
    ...usage,
  });
  if (outcome.ok) return done(outcome.stderr, { code: 0, signal: null, message: null, status: null });
  const { error } = outcome;
  const { status, signal } = PISTON_STATUS_OF[error.code];
  if (signal) return done(outcome.stderr, { code: null, signal, message: error.message, status });
  const exit = requestedExit(error) ?? { code: 1, stderr: failureText(error) };
  return done(outcome.stderr + exit.stderr, {
    code: exit.code,
    signal: null,
    message: exit.code === 0 ? null : `Exited with error status ${exit.code}`,
    status: exit.code === 0 ? null : "RE",
  });
}
