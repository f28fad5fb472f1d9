import { followLogs, RequestFailed } from "./api.ts";

const MAX_LINES = 500;

/** The Logs tab: follows `GET /v1/logs/stream` live while the page is open, newest line last. */
export class LogsTab {
  readonly #list = document.getElementById("logs") as HTMLOListElement;
  readonly #state = document.getElementById("logs-state") as HTMLSpanElement;
  #abort: AbortController | undefined;

  /** Starts following (again), e.g. once the page has a token. */
  follow(): void {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this.#state.textContent = "connecting…";
    followLogs((event, data) => this.#event(event, data), abort.signal)
      .then(() => {
        if (!abort.signal.aborted) this.#state.textContent = "stream ended";
      })
      .catch((error: unknown) => {
        if (abort.signal.aborted) return;
        this.#state.textContent = error instanceof RequestFailed ? `${error.code}: ${error.message}` : `disconnected: ${String(error)}`;
      });
  }

  #event(event: string, data: unknown): void {
    if (event === "ready") {
      this.#state.textContent = "following";
      return;
    }
    if (event !== "log" && event !== "run") return;
    const entry = data as { at: string; runId: string; script: string | null; stream: string; level?: string; message?: string; language?: string; outcome?: string; usage?: { fuel: number | null; wallMs: number } };
    const item = document.createElement("li");
    item.dataset.stream = entry.stream;
    const time = entry.at.slice(11, 23);
    const who = entry.script ?? "ad hoc";
    item.textContent =
      event === "run"
        ? `${time} ${who} run ${entry.language ?? ""} → ${entry.outcome ?? ""}${entry.message ? `: ${entry.message}` : ""} (fuel ${entry.usage?.fuel ?? "?"}, ${entry.usage?.wallMs ?? "?"} ms)`
        : `${time} ${who} ${entry.stream}${entry.level ? `/${entry.level}` : ""}: ${entry.message ?? ""}`;
    this.#list.append(item);
    while (this.#list.childElementCount > MAX_LINES) this.#list.firstElementChild!.remove();
    item.scrollIntoView({ block: "nearest" });
  }
}
