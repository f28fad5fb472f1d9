import { EventSourceParserStream } from "eventsource-parser/stream";

/** A run's `usage` as the response reports it. */
export interface Usage {
  fuel: number | null;
  memoryBytes: number | null;
  wallMs: number;
  start?: "fresh" | "warm" | "restored";
}

/** A run's response body (`POST /v1/run`, or a deployed script's invocation). */
export interface Outcome {
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string; stack?: string; line?: number; column?: number };
  stdout: string;
  stderr: string;
  logs: { level: string; message: string }[];
  usage: Usage;
  script?: { name: string; version: number };
}

/** A request the server refused: its `{error:{code,message}}` and status. */
export class RequestFailed extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = "kiln-token";

/** The bearer token the page sends: the one kept in this tab's session storage. */
export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** In dev mode on the server's own machine, the dev tenant's token from `GET /dev/token`; null elsewhere. */
export async function devToken(): Promise<string | null> {
  if (!/^(localhost|127(\.\d{1,3}){3}|\[::1\])$/.test(location.hostname)) return null;
  try {
    const res = await fetch("/dev/token");
    if (!res.ok) return null;
    return ((await res.json()) as { tenantToken: string }).tenantToken;
  } catch {
    return null;
  }
}

async function failure(res: Response): Promise<RequestFailed> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    return new RequestFailed(res.status, body.error?.code ?? "error", body.error?.message ?? res.statusText);
  } catch {
    return new RequestFailed(res.status, "error", res.statusText || `HTTP ${res.status}`);
  }
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = storedToken();
  return { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

/** A JSON request to the API; a 4xx or 5xx throws its `RequestFailed`. */
export async function callApi<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: headers(body === undefined ? {} : { "content-type": "application/json" }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** What a streamed run reports while it goes. */
export interface RunListener {
  chunk(stream: "stdout" | "stderr", text: string): void;
  log(entry: { level: string; message: string }): void;
}

/**
 * A run (`POST /v1/run`, or an invocation) asking for `text/event-stream`: output chunks go to the
 * listener as they arrive, and the final `result` event is the outcome. A server that answers plain
 * JSON (no streaming) gives the outcome at once.
 */
export async function streamRun(path: string, body: unknown, listener: RunListener, signal?: AbortSignal): Promise<Outcome> {
  const res = await fetch(path, {
    method: "POST",
    headers: headers({ "content-type": "application/json", accept: "text/event-stream" }),
    body: JSON.stringify(body),
    signal,
  });
  if (!res.ok) throw await failure(res);
  if (!(res.headers.get("content-type") ?? "").includes("text/event-stream") || !res.body) return (await res.json()) as Outcome;
  let outcome: Outcome | undefined;
  for await (const event of eventsOf(res.body)) {
    const data = JSON.parse(event.data) as Record<string, unknown>;
    if (event.event === "stdout" || event.event === "stderr") listener.chunk(event.event, String(data.text ?? ""));
    else if (event.event === "log") listener.log(data as { level: string; message: string });
    else if (event.event === "result") outcome = data as unknown as Outcome;
    else if (event.event === "error") {
      const error = (data as { error?: { code?: string; message?: string } }).error;
      throw new RequestFailed(500, error?.code ?? "internal", error?.message ?? "the stream failed");
    }
  }
  if (!outcome) throw new RequestFailed(500, "internal", "the stream ended without a result");
  return outcome;
}

/** A server-sent event stream's events, parsed by eventsource-parser. */
export async function* eventsOf(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event?: string; data: string }> {
  // TypeScript's DOM types give TextDecoderStream a BufferSource writable side; bytes are what it takes.
  const decoder = new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>;
  const reader = body.pipeThrough(decoder).pipeThrough(new EventSourceParserStream()).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Follows `GET /v1/logs/stream` until the signal aborts, handing each event to `onEvent`. */
export async function followLogs(onEvent: (event: string, data: unknown) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch("/v1/logs/stream", { headers: headers({ accept: "text/event-stream" }), signal });
  if (!res.ok) throw await failure(res);
  if (!res.body) return;
  for await (const event of eventsOf(res.body)) onEvent(event.event ?? "message", event.data ? (JSON.parse(event.data) as unknown) : null);
}
