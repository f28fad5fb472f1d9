import { InputStream, OutputStream, type Sink } from "./io.ts";

/** Thrown by `wasi:cli/exit.exit`: the guest asked to end; the host ends the run. */
export class GuestExit extends Error {
  override readonly name = "GuestExit";
  constructor(readonly ok: boolean) {
    super(`the guest exited (${ok ? "ok" : "error"})`);
  }
}

/** A terminal resource no guest ever gets: there is no terminal. */
export class TerminalInput {}
export class TerminalOutput {}

/**
 * `wasi:cli/*` for one instance: no environment, fixed arguments, stdin from `stdin` (the instance's
 * one stream, refilled for each run: empty unless the run gave some), captured stdout and stderr.
 * `get-arguments` is `kiln` and the run's `args` (a caller's component reads them; an initialised
 * language runtime read them long before the run, so its wrapper hands them over instead).
 */
export function cliImports(options: { stdout: Sink; stderr: Sink; stdin?: InputStream; args?: () => readonly string[] }) {
  const stdout = new OutputStream(options.stdout);
  const stderr = new OutputStream(options.stderr);
  const stdin = options.stdin ?? new InputStream();
  return {
    "wasi:cli/environment": {
      getEnvironment: (): [string, string][] => [],
      getArguments: (): string[] => ["kiln", ...(options.args?.() ?? [])],
      initialCwd: (): string | undefined => undefined,
    },
    "wasi:cli/exit": {
      exit(status: { tag: "ok" | "err" }): never {
        throw new GuestExit(status.tag === "ok");
      },
    },
    "wasi:cli/stdin": { getStdin: () => stdin },
    "wasi:cli/stdout": { getStdout: () => stdout },
    "wasi:cli/stderr": { getStderr: () => stderr },
    "wasi:cli/terminal-input": { TerminalInput },
    "wasi:cli/terminal-output": { TerminalOutput },
    "wasi:cli/terminal-stdin": { getTerminalStdin: () => undefined },
    "wasi:cli/terminal-stdout": { getTerminalStdout: () => undefined },
    "wasi:cli/terminal-stderr": { getTerminalStderr: () => undefined },
  };
}
