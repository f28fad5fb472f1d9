/**
 * A recorded run: what `POST /v1/runs/{id}/replay` needs to run it again to the same byte and the same
 * fuel. The code (ad-hoc runs) or the script's name and version, the component's id, the input, stdin,
 * arguments, files, resolved limits, the grants as requested (never a secret's value), and the run's
 * tape (src/capabilities/host-tape.ts: seeds, clock readings, host answers; a `secrets.get` answer is a
 * marker, answered on replay from the secret as it is then). The original outcome is kept to compare.
 */
import type { RequestedGrants } from "../capabilities/grants.ts";
import type { Tape } from "../capabilities/host-tape.ts";
import type { LogEntry } from "../capabilities/log.ts";
import type { RunJob, RunOutcome, SourceType } from "../engine/engine.ts";
import type { GuestError } from "../errors.ts";
import type { RunLimits } from "../limits/run-limits.ts";
import type { RunFile } from "../limits/run-inputs.ts";

/** What a run's comparison looks at: its result or error, output, logs and fuel. */
export interface RecordedOutcome {
  ok: boolean;
  result?: unknown;
  error?: GuestError;
  stdout: string;
  stderr: string;
  logs: LogEntry[];
  fuel: number | null;
}

export interface Recording {
  format: 1;
  runId: string;
  recordedAt: number;
  language: string;
  /** The code that ran (ad-hoc runs and scripts alike; "" for a component). */
  code: string;
  /** A deployed script's invocation: its name and the version that ran. */
  script?: { name: string; version: number };
  /** A caller's component, by id. */
  component?: string;
  sourceType?: SourceType;
  asProgram?: boolean;
  inputJson: string;
  stdin?: string;
  args?: string[];
  files?: RunFile[];
  limits: RunLimits;
  grants: RequestedGrants;
  tape: Tape;
  outcome: RecordedOutcome;
}

/** What a recorded run needs besides its job and outcome. */
export interface RecordingSource {
  grants: RequestedGrants;
  script?: { name: string; version: number };
}

/** The part of an outcome a replay is compared on. */
export function recordedOutcome(outcome: RunOutcome): RecordedOutcome {
  const { stdout, stderr, logs } = outcome;
  return { ok: outcome.ok, ...(outcome.ok ? { result: outcome.result } : { error: outcome.error }), stdout, stderr, logs, fuel: outcome.usage.fuel };
}

/** The recording of a finished run whose job recorded its tape. */
export function recordingOf(job: RunJob, outcome: RunOutcome & { recording: Tape }, meta: RecordingSource & { runId: string }): Recording {
  return {
    format: 1,
    runId: meta.runId,
    recordedAt: Date.now(),
    language: job.language,
    code: job.code,
    ...(meta.script && { script: meta.script }),
    ...(job.component && { component: job.component.id }),
    ...(job.sourceType && { sourceType: job.sourceType }),
    ...(job.asProgram && { asProgram: true }),
    inputJson: job.inputJson,
    ...(job.stdin !== undefined && { stdin: job.stdin }),
    ...(job.args && { args: job.args }),
    ...(job.files && { files: job.files }),
    limits: job.limits,
    grants: meta.grants,
    tape: outcome.recording,
    outcome: recordedOutcome(outcome),
  };
}
