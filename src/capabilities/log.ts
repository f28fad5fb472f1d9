import { HostCallError } from "../errors.ts";
import { utf8Length } from "../limits/output.ts";
import type { HostLimits } from "./capability-limits.ts";
import type { LogInterface, LogLevel } from "./wit.ts";

/** One entry of a run's log stream. */
export interface LogEntry {
  level: LogLevel;
  message: string;
}

/** The `log` interface: entries are kept for the run's outcome, within count and size caps; `onEntry` sees each kept entry as it is written. */
export function createLogHost(limits: HostLimits, onEntry?: (entry: LogEntry) => void): LogInterface & { readonly entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  let bytes = 0;
  return {
    entries,
    write(level: LogLevel, message: string): void {
      const size = utf8Length(message);
      if (entries.length >= limits.logMaxEntries) throw new HostCallError("limit_exceeded", `log: at most ${limits.logMaxEntries} entries per run`);
      if (bytes + size > limits.logMaxBytes) throw new HostCallError("limit_exceeded", `log: at most ${limits.logMaxBytes} bytes per run`);
      bytes += size;
      entries.push({ level, message });
      onEntry?.({ level, message });
    },
  };
}
