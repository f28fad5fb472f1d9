/**
 * The `kiln` command line's exit codes:
 *
 * | code | when |
 * |---|---|
 * | 0 | The command did what it was asked (a run's `ok` is true). |
 * | 1 | The guest failed: `guest_error` or `syntax_error`. |
 * | 2 | The run was stopped: `fuel_exhausted`, `memory_exhausted`, `timeout` or `output_limit`. |
 * | 3 | The request was refused: a 4xx (or 5xx) from the server, or a command line or file kiln could not use. |
 * | 4 | Kiln could not be reached (nothing listens at the URL, DNS, TLS). |
 *
 * A bug in kiln itself exits 70 (sysexits' EX_SOFTWARE), apart from all of these.
 */
import type { RunResult } from "../../client/kiln-client.ts";

export const EXIT = { ok: 0, guestError: 1, trap: 2, requestError: 3, unreachable: 4, internal: 70 } as const;

const TRAPS: readonly string[] = ["fuel_exhausted", "memory_exhausted", "timeout", "output_limit"];

/** The exit code a run's outcome stands for. */
export function runExitCode(run: RunResult): number {
  if (run.ok) return EXIT.ok;
  return TRAPS.includes(run.error.code) ? EXIT.trap : EXIT.guestError;
}
