import type { Usage } from "../engine/engine.ts";
import type { GuestErrorCode } from "../errors.ts";

/** What every event of a run carries: when (ISO 8601), which run, which script version (null for ad-hoc runs), and which request asked for it. */
interface RunEventBase {
  at: string;
  runId: string;
  script: string | null;
  version: number | null;
  /** The id of the HTTP request that asked for the run (its `X-Request-Id`), where there was one: the server log's request lines carry it too. */
  requestId?: string;
}

/** One line of a tenant's log stream: a `log.write` entry or console output of a run (SSE `event: log`). */
export interface LogLine extends RunEventBase {
  stream: "log" | "stdout" | "stderr";
  level?: string;
  message: string;
}

/** How a run ended (SSE `event: run`), sent after its lines: `outcome` is `ok` or the error code, with the error's message. */
export interface RunEnded extends RunEventBase {
  stream: "run";
  language: string;
  outcome: "ok" | GuestErrorCode;
  message?: string;
  usage: Usage;
}

export type LogEvent = LogLine | RunEnded;

/**
 * Carries each tenant's log events to its live subscribers. The in-memory bus serves one process;
 * a Redis bus (pub/sub) carries events between nodes.
 */
export interface LogBus {
  publish(tenantId: string, events: LogEvent[]): Promise<void>;
  /** Calls `listener` for each event of `tenantId` until the returned function is called. */
  subscribe(tenantId: string, listener: (event: LogEvent) => void): Promise<() => void>;
}

/** A `LogBus` within one process. */
export class MemoryLogBus implements LogBus {
  readonly #listeners = new Map<string, Set<(event: LogEvent) => void>>();

  async publish(tenantId: string, events: LogEvent[]): Promise<void> {
    for (const listener of this.#listeners.get(tenantId) ?? []) for (const e of events) listener(e);
  }

  async subscribe(tenantId: string, listener: (event: LogEvent) => void): Promise<() => void> {
    const set = this.#listeners.get(tenantId) ?? new Set();
    set.add(listener);
    this.#listeners.set(tenantId, set);
    return () => {
      set.delete(listener);
      if (!set.size) this.#listeners.delete(tenantId);
    };
  }
}
