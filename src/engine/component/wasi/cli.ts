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

/** `wasi:cli/*` for one instance: no environment, fixed arguments, empty stdin, captured stdout and stderr. */
export function cliImports(options: { stdout: Sink; stderr: Sink }) {
  const stdout = new OutputStream(options.stdout);
  const stderr = new OutputStream(options.stderr);
  const stdin = new InputStream();
  return {
    "wasi:cli/environment": {
      getEnvironment: (): [string, string][] => [],
      getArguments: (): string[] => ["kiln"],
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
