/**
 * Comparing a replay with its recording: where result (or error), stdout, stderr, logs and fuel differ,
 * and where the replay left the recorded host calls (`diverged`). Every field is JSON data, compared as JSON text.
 */
import type { Divergence } from "../capabilities/host-tape.ts";
import type { RunOutcome } from "../engine/engine.ts";
import { recordedOutcome, type RecordedOutcome } from "./recording.ts";

export interface ReplayDifference {
  field: "result" | "error" | "stdout" | "stderr" | "logs" | "fuel";
  recorded: unknown;
  replayed: unknown;
}

export interface ReplayReport {
  identical: boolean;
  differences: ReplayDifference[];
  diverged?: Divergence;
  /** Things the caller should know: secrets answered from their current values. */
  warnings: string[];
}

/** How a replay's outcome compares with the recorded one. */
export function compareReplay(recorded: RecordedOutcome, outcome: RunOutcome, options: { secretsAnswered: number }): ReplayReport {
  const replayed = recordedOutcome(outcome);
  const differences: ReplayDifference[] = [];
  for (const field of ["result", "error", "stdout", "stderr", "logs", "fuel"] as const) {
    if (JSON.stringify(recorded[field]) !== JSON.stringify(replayed[field])) differences.push({ field, recorded: recorded[field] ?? null, replayed: replayed[field] ?? null });
  }
  const warnings = options.secretsAnswered ? [`${options.secretsAnswered} secrets.get call(s) were answered from the secrets' current values (recordings never keep a secret's value)`] : [];
  return { identical: differences.length === 0 && !outcome.diverged, differences, ...(outcome.diverged && { diverged: outcome.diverged }), warnings };
}
