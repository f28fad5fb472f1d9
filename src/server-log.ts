/** Where host bugs (`error`) and the clients' own doings (`info`) are reported. */
export interface Logger {
  error(message: string, detail?: unknown): void;
  info?(message: string, detail?: unknown): void;
}

/** Writes one structured JSON log line: `{"time","level","msg",…fields}`. Errors go to stderr. */
export function serverLog(level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }, (_k, v) =>
    v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v,
  );
  if (level === "error") console.error(line);
  else console.log(line);
}

/** The app's host-error logger, as structured JSON. */
export const jsonLogger: Logger = {
  error: (msg, detail) => serverLog("error", msg, { error: detail }),
  info: (msg, detail) => serverLog("info", msg, detail && typeof detail === "object" ? (detail as Record<string, unknown>) : { detail }),
};
