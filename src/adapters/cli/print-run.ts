import type { RunResult, RunStreamEvent } from "../../client/kiln-client.ts";

export interface Output {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * Prints a run as a terminal user wants it: the guest's stdout and stderr as it wrote them, its `log`
 * entries on stderr, then the result as one line of JSON on stdout (nothing for a null result), or the
 * error on stderr. With `json`, the response itself, as one line. `streamed`: the output and log entries
 * were printed as they came (printStreamEvent), so only the result is left.
 */
export function printRun(run: RunResult, json: boolean, out: Output, streamed = false): void {
  if (json) {
    out.stdout(`${JSON.stringify(run)}\n`);
    return;
  }
  if (!streamed) {
    if (run.stdout) out.stdout(run.stdout);
    if (run.stderr) out.stderr(run.stderr);
    for (const entry of run.logs) printLog(entry, out);
  }
  if (run.ok) {
    if (run.result === null || run.result === undefined) return;
    // The result on its own line, even after output that did not end one.
    if (run.stdout && !run.stdout.endsWith("\n")) out.stdout("\n");
    out.stdout(`${JSON.stringify(run.result)}\n`);
    return;
  }
  const { code, message, line, column, stack } = run.error;
  const where = line === undefined ? "" : ` at line ${line}${column === undefined ? "" : `, column ${column}`}`;
  out.stderr(`kiln: ${code}${where}: ${message}\n`);
  if (stack && !message.includes(stack)) out.stderr(`${stack.replace(/\n?$/, "\n")}`);
}

/** Prints one event of a streamed run as it arrives (the `result` is left to printRun). */
export function printStreamEvent(event: RunStreamEvent<unknown>, out: Output): void {
  if (event.event === "stdout") out.stdout(event.data.text);
  else if (event.event === "stderr") out.stderr(event.data.text);
  else if (event.event === "log") printLog(event.data, out);
}

function printLog(entry: { level: string; message: string }, out: Output): void {
  out.stderr(`[log ${entry.level}] ${entry.message}\n`);
}
