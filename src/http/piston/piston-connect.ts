import type { WSContext, WSEvents } from "hono/ws";
import { RequestError } from "../../errors.ts";
import type { PistonStage } from "./piston-status.ts";

/**
 * Piston's interactive WebSocket (`/api/v2/connect`), one run per connection. The client sends
 * `{type:"init", …execute fields}` within a second, then `{type:"data", stream:"stdin", data}` and
 * `{type:"signal", signal}`; the server answers `runtime`, `stage`, `data` (stdout, stderr) and
 * `exit`, or `error`, and closes with Piston's codes.
 *
 * Kiln gives a run its whole stdin at start and returns its output when it ends, so: stdin is what
 * `data` messages brought until the client has been quiet for `STDIN_QUIET_MS` after `init` (at most
 * `STDIN_WAIT_MS`); then the run starts, and its stdout and stderr arrive as one `data` message each
 * when it ends. stdin after the start is dropped. A signal before the start ends the connection
 * without running; during the run it cannot stop the sandbox, which ends at its own limits (Piston's
 * own signal handling does nothing at its HEAD either).
 */

/** Piston's close codes. */
export const CLOSE = {
  completed: [4999, "Job Completed"],
  alreadyInitialized: [4000, "Already Initialized"],
  initTimeout: [4001, "Initialization Timeout"],
  notifiedError: [4002, "Notified Error"],
  notInitialized: [4003, "Not yet initialized"],
  stdinOnly: [4004, "Can only write to stdin"],
  invalidSignal: [4005, "Invalid signal"],
} as const;

/** The signals Piston accepts (Linux's), by name. */
const SIGNALS = new Set(
  "SIGABRT SIGALRM SIGBUS SIGCHLD SIGCLD SIGCONT SIGEMT SIGFPE SIGHUP SIGILL SIGINFO SIGINT SIGIO SIGIOT SIGKILL SIGLOST SIGPIPE SIGPOLL SIGPROF SIGPWR SIGQUIT SIGSEGV SIGSTKFLT SIGSTOP SIGTSTP SIGSYS SIGTERM SIGTRAP SIGTTIN SIGTTOU SIGUNUSED SIGURG SIGUSR1 SIGUSR2 SIGVTALRM SIGXCPU SIGXFSZ SIGWINCH".split(" "),
);

const INIT_TIMEOUT_MS = 1_000;
export const STDIN_QUIET_MS = 100;
export const STDIN_WAIT_MS = 1_000;

/** What a connection needs from the route: check an `init` message (throws a RequestError), and run it with the stdin gathered. */
export interface PistonConnectDeps {
  prepare(init: Record<string, unknown>): { language: string; version: string; run(stdin: string): Promise<PistonStage> };
}

export function pistonConnection(deps: PistonConnectDeps, onHostError: (e: unknown) => void): WSEvents {
  let state: "waiting" | "gathering" | "running" | "done" = "waiting";
  let stdin = "";
  let job: ReturnType<PistonConnectDeps["prepare"]> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let deadline = 0;
  const send = (ws: WSContext, message: object) => ws.send(JSON.stringify(message));
  const close = (ws: WSContext, [code, reason]: readonly [number, string]) => {
    clearTimeout(timer);
    state = "done";
    ws.close(code, reason);
  };
  const fail = (ws: WSContext, message: string) => {
    send(ws, { type: "error", message });
    close(ws, CLOSE.notifiedError);
  };

  const start = async (ws: WSContext) => {
    if (state !== "gathering" || !job) return;
    state = "running";
    send(ws, { type: "stage", stage: "run" });
    try {
      const run = await job.run(stdin);
      if (state !== "running") return;
      if (run.stdout) send(ws, { type: "data", stream: "stdout", data: run.stdout });
      if (run.stderr) send(ws, { type: "data", stream: "stderr", data: run.stderr });
      send(ws, { type: "exit", stage: "run", code: run.code, signal: run.signal, ...(run.status && { status: run.status, message: run.message }) });
      close(ws, CLOSE.completed);
    } catch (e) {
      if (state !== "running") return;
      if (e instanceof RequestError) return fail(ws, e.message);
      onHostError(e);
      fail(ws, "Internal error; it has been logged");
    }
  };
  /** Starts the run once stdin has been quiet for STDIN_QUIET_MS, or STDIN_WAIT_MS after init. */
  const gather = (ws: WSContext) => {
    clearTimeout(timer);
    timer = setTimeout(() => void start(ws), Math.max(0, Math.min(STDIN_QUIET_MS, deadline - Date.now())));
  };

  return {
    onOpen: (_event, ws) => {
      timer = setTimeout(() => state === "waiting" && close(ws, CLOSE.initTimeout), INIT_TIMEOUT_MS);
    },
    onMessage: (event, ws) => {
      if (state === "done") return;
      let message: Record<string, unknown>;
      try {
        const parsed: unknown = typeof event.data === "string" ? JSON.parse(event.data) : undefined;
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
        message = parsed as Record<string, unknown>;
      } catch {
        return fail(ws, "Messages must be JSON objects with a type");
      }
      switch (message.type) {
        case "init": {
          if (state !== "waiting") return close(ws, CLOSE.alreadyInitialized);
          try {
            job = deps.prepare(message);
          } catch (e) {
            if (e instanceof RequestError) return fail(ws, e.message);
            onHostError(e);
            return fail(ws, "Internal error; it has been logged");
          }
          state = "gathering";
          deadline = Date.now() + STDIN_WAIT_MS;
          send(ws, { type: "runtime", language: job.language, version: job.version });
          return gather(ws);
        }
        case "data": {
          if (state === "waiting") return close(ws, CLOSE.notInitialized);
          if (message.stream !== "stdin") return close(ws, CLOSE.stdinOnly);
          if (state === "gathering" && typeof message.data === "string") {
            stdin += message.data;
            gather(ws);
          }
          return;
        }
        case "signal": {
          if (state === "waiting") return close(ws, CLOSE.notInitialized);
          if (typeof message.signal !== "string" || !SIGNALS.has(message.signal)) return close(ws, CLOSE.invalidSignal);
          if (state === "gathering") {
            send(ws, { type: "exit", stage: "run", code: null, signal: message.signal });
            close(ws, CLOSE.completed);
          }
          return;
        }
        default:
          return fail(ws, `Unknown message type: ${JSON.stringify(message.type)}`);
      }
    },
    onClose: () => {
      clearTimeout(timer);
      state = "done";
    },
  };
}
