/**
 * Run history: every run a tenant starts (ad-hoc, an invocation, a Piston or Judge0 run) is kept in
 * the platform store under its `runId`, with its outcome, usage, output, logs and result (already
 * capped by the run's output and result caps), for `GET /v1/runs`. Retention is per tenant: a count
 * and an age (`KILN_RUN_HISTORY_MAX`, `KILN_RUN_HISTORY_DAYS`, or the tenant's quotas), enforced when
 * a run is stored (older runs are dropped) and when one is read (one past its age is gone).
 */
import type { Config } from "../config.ts";
import type { RunJob, RunOutcome } from "../engine/engine.ts";
import { RequestError } from "../errors.ts";
import type { RunListQuery, RunPosition, RunRecord, RunRetention, RunSummary, Tenant } from "./platform-store.ts";

export type { RunListQuery, RunPosition, RunRecord, RunRetention, RunSummary } from "./platform-store.ts";

/** The largest page `GET /v1/runs` answers with. */
export const MAX_RUN_PAGE = 200;
/** The page size when the request names none. */
export const DEFAULT_RUN_PAGE = 50;
const DAY_MS = 86_400_000;

/** The tenant's retention: its own quotas, else the server's. */
export function retentionFor(tenant: Tenant, config: Config): RunRetention {
  const maxRuns = tenant.quotas?.runHistoryMax ?? config.runHistory.maxRuns;
  const days = tenant.quotas?.runHistoryDays ?? config.runHistory.days;
  return { maxRuns, maxAgeMs: days * DAY_MS };
}

/** The record of a finished run. */
export function runRecord(run: {
  id: string;
  tenantId: string;
  job: Pick<RunJob, "language">;
  script?: { name: string; version: number };
  startedAt: number;
  outcome: RunOutcome;
  recorded?: boolean;
}): RunRecord {
  const { outcome } = run;
  return {
    id: run.id,
    tenantId: run.tenantId,
    script: run.script?.name ?? null,
    version: run.script?.version ?? null,
    language: run.job.language,
    outcome: outcome.ok ? "ok" : outcome.error.code,
    kind: run.script ? "invoke" : "run",
    usage: outcome.usage,
    startedAt: run.startedAt,
    recorded: run.recorded ?? false,
    stdout: outcome.stdout,
    stderr: outcome.stderr,
    logs: outcome.logs,
    ...(outcome.ok ? { result: outcome.result } : { error: outcome.error }),
  };
}

/** The summary part of a record. */
export function runSummary(record: RunRecord): RunSummary {
  const { id, tenantId, script, version, language, outcome, kind, usage, startedAt, recorded } = record;
  return { id, tenantId, script, version, language, outcome, kind, usage, startedAt, recorded };
}

/** Newest first: by start time, then by id (descending), so every run has one place in the order. */
export function newestFirst(a: RunPosition, b: RunPosition): number {
  return b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Whether a run matches a list query (its filters, page position and age). */
export function matchesQuery(run: RunSummary, query: RunListQuery): boolean {
  if (query.script !== undefined && run.script !== query.script) return false;
  if (query.outcome !== undefined && run.outcome !== query.outcome) return false;
  if (run.startedAt < query.since) return false;
  return !query.after || newestFirst(query.after, run) < 0;
}

/** An opaque cursor for the page after `run`. */
export function encodeCursor(run: RunPosition): string {
  return btoa(JSON.stringify([run.startedAt, run.id])).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

/** The position a cursor names; a cursor this server did not make is a 400. */
export function decodeCursor(cursor: string): RunPosition {
  try {
    const [startedAt, id] = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/"))) as unknown[];
    if (Number.isSafeInteger(startedAt) && typeof id === "string" && id.length > 0 && id.length <= 64) return { startedAt: startedAt as number, id };
  } catch {
    // Falls through to the refusal.
  }
  throw new RequestError("invalid_request", "cursor: not a cursor from GET /v1/runs");
}

/** A run's outcome with the id it is kept under (`runId`, also in its log events). */
export type IdentifiedRunOutcome = RunOutcome & { runId: string };
