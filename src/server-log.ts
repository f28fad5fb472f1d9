import { pino, type Level, type Logger as Pino } from "pino";

/**
 * Where host bugs (`error`) and the clients' own doings (`info`) are reported; `context` (a request's
 * id, say) joins the line's fields. `console` is one; the server's is `jsonLogger`.
 */
export interface Logger {
  error(message: string, detail?: unknown, context?: Record<string, unknown>): void;
  info?(message: string, detail?: unknown, context?: Record<string, unknown>): void;
}

/**
 * The server's log: pino, one JSON line per entry, `{"level":"info","time":"<ISO 8601>",…fields,"msg"}`.
 * Entries at `error` and above go to stderr, the rest to stdout; the level is `info` until the adapter
 * sets KILN_LOG_LEVEL's (`setServerLogLevel`). An `error` field that is an Error is written as
 * `{type, message, stack}`.
 */
export const serverLogger: Pino = pino(
  {
    level: "info",
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { error: pino.stdSerializers.err },
    // pino's browser build (the Worker's bundle takes it: workerd has no file descriptors) writes the same lines through the console.
    browser: {
      serialize: true,
      write: (entry) => {
        const { level, time, msg, ...fields } = entry as { level: number; time: number; msg?: string };
        const label = pino.levels.labels[level] ?? "info";
        const line = JSON.stringify({ level: label, time: new Date(time).toISOString(), ...fields, msg });
        if (level >= pino.levels.values.error!) console.error(line);
        else console.log(line);
      },
    },
  },
  // Node, Deno and Bun: stdout written asynchronously (lines logged while a write is under way go out
  // together in the next one; pino flushes what is left when the process exits), and stderr, from
  // `error` up, synchronously.
  typeof pino.multistream === "function"
    ? pino.multistream(
        [
          { level: "trace", stream: pino.destination({ dest: 1, sync: false }) },
          { level: "error", stream: pino.destination({ dest: 2, sync: true }) },
        ],
        { dedupe: true },
      )
    : undefined,
);

/** Sets the server log's least level (KILN_LOG_LEVEL): entries below it are not written. */
export function setServerLogLevel(level: Level | "silent"): void {
  serverLogger.level = level;
}

/** Writes one server log entry: `msg` with `fields` beside it. */
export function serverLog(level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown> = {}): void {
  serverLogger[level](fields, msg);
}

/** The app's logger on the server log: an error's detail is its `error` field; an object's fields join the line. */
export const jsonLogger: Logger = {
  error: (msg, detail, context) => serverLogger.error({ ...context, error: detail }, msg),
  info: (msg, detail, context) =>
    serverLogger.info({ ...context, ...(detail && typeof detail === "object" ? (detail as Record<string, unknown>) : detail === undefined ? {} : { detail }) }, msg),
};
