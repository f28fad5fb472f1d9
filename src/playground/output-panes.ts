import type { Outcome } from "./api.ts";

/** A limit of a run, as the server applies it: the requested one, or the default, lowered to the maximum. */
export interface RunLimits {
  fuel: number;
  memoryMb: number;
  timeoutMs: number;
}

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The result, stdout, stderr and usage panes, filled while a run goes and when it ends. */
export class OutputPanes {
  readonly #result = byId<HTMLPreElement>("result");
  readonly #stdout = byId<HTMLPreElement>("stdout");
  readonly #stderr = byId<HTMLPreElement>("stderr");
  readonly #logs = byId<HTMLUListElement>("run-logs");
  readonly #error = byId<HTMLDivElement>("error");
  readonly #start = byId<HTMLSpanElement>("start");
  readonly #status = byId<HTMLSpanElement>("status");

  /** Clears the panes for a new run. */
  begin(label: string): void {
    this.#result.textContent = "";
    this.#stdout.textContent = "";
    this.#stderr.textContent = "";
    this.#logs.replaceChildren();
    this.#error.hidden = true;
    this.#error.replaceChildren();
    this.#start.textContent = "";
    for (const name of ["fuel", "memory", "wall"]) this.#bar(name, 0, "");
    this.status(label, "running");
  }

  status(text: string, state: "running" | "done" | "failed"): void {
    this.#status.textContent = text;
    this.#status.dataset.state = state;
  }

  chunk(stream: "stdout" | "stderr", text: string): void {
    (stream === "stdout" ? this.#stdout : this.#stderr).append(text);
  }

  log(entry: { level: string; message: string }): void {
    const item = document.createElement("li");
    item.dataset.level = entry.level;
    item.textContent = `${entry.level}: ${entry.message}`;
    this.#logs.append(item);
  }

  /** A run's outcome, its usage drawn against the limits it ran under. */
  show(outcome: Outcome, limits: RunLimits): void {
    this.#stdout.textContent = outcome.stdout;
    this.#stderr.textContent = outcome.stderr;
    this.#logs.replaceChildren();
    for (const entry of outcome.logs ?? []) this.log(entry);
    if (outcome.ok) {
      this.#result.textContent = JSON.stringify(outcome.result, null, 2) ?? "undefined";
    } else if (outcome.error) {
      const { code, message, line, column } = outcome.error;
      // Where the message does not say it already.
      const where = line === undefined || message.includes(`line ${line}`) ? undefined : `line ${line}${column === undefined ? "" : `, column ${column}`}`;
      this.failure(code, message, where);
    }
    const { fuel, memoryBytes, wallMs, start } = outcome.usage;
    const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
    this.#bar("fuel", fuel === null ? 0 : fuel / limits.fuel, fuel === null ? `? / ${limits.fuel}` : `${fuel} / ${limits.fuel}`);
    this.#bar("memory", memoryBytes === null ? 0 : memoryBytes / (limits.memoryMb * 1048576), `${memoryBytes === null ? "?" : mb(memoryBytes)} / ${limits.memoryMb} MiB`);
    this.#bar("wall", wallMs / limits.timeoutMs, `${wallMs} ms / ${limits.timeoutMs} ms`);
    this.#start.textContent = start ?? "(sandbox stopped)";
    this.status(outcome.ok ? "ok" : (outcome.error?.code ?? "failed"), outcome.ok ? "done" : "failed");
  }

  /** An error code and its message: a guest's, or a refused request's. */
  failure(code: string, message: string, where?: string): void {
    this.#error.hidden = false;
    this.#error.replaceChildren();
    const codeEl = document.createElement("code");
    codeEl.textContent = code;
    this.#error.append(codeEl, ` ${message}${where ? ` (${where})` : ""}`);
    this.status(code, "failed");
  }

  #bar(name: string, fraction: number, label: string): void {
    const bar = byId<HTMLDivElement>(`bar-${name}`);
    const clamped = Math.max(0, Math.min(1, fraction));
    bar.querySelector<HTMLElement>(".fill")!.style.width = `${(clamped * 100).toFixed(1)}%`;
    bar.querySelector<HTMLElement>(".value")!.textContent = label;
    bar.dataset.full = String(clamped >= 1);
  }
}
