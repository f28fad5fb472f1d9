/**
 * A typed client for Kiln's HTTP API: `import { createKilnClient } from "kiln/client"`. It uses only
 * `fetch` and Web streams, so it runs on Node, Deno, Bun, workerd and in browsers.
 *
 *   const kiln = createKilnClient({ url: "http://localhost:8080", token: process.env.KILN_TOKEN });
 *   const run = await kiln.run({ language: "python", code: "print('hi')" });
 *
 * A run that fails is data (`{ok: false, error}`); a request the server refuses (a 4xx or 5xx) or
 * cannot be sent throws a `KilnError`.
 */
import type {
  Component,
  CreatedTenant,
  Health,
  DeployRequest,
  DevTokens,
  InvokeResult,
  LanguageInfo,
  LogStreamEvent,
  ReplayOutcome,
  RunPage,
  RunQuery,
  RunRecord,
  RunRequest,
  RunResult,
  ScriptSummary,
  ScriptVersion,
  ScriptVersions,
  ScriptWithCode,
  IssuedToken,
  NewTenant,
  Tenant,
  TenantChanges,
  TenantUsage,
  TokenRequest,
} from "./kiln-api.ts";
import { KilnError } from "./kiln-error.ts";
import { serverSentEvents } from "./server-sent-events.ts";

export { KilnError } from "./kiln-error.ts";
export type * from "./kiln-api.ts";

export interface KilnClientOptions {
  /** The server's base URL, e.g. `http://localhost:8080`. */
  url: string;
  /** A tenant token (or the admin token, for `tenants`). */
  token?: string;
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
}

/**
 * One event of a streamed run (`Accept: text/event-stream`), as it happens: a chunk of stdout or
 * stderr, a log entry, then the one `result`, the body the same request answers unstreamed.
 */
export type RunStreamEvent<R = RunResult> =
  | { event: "stdout" | "stderr"; data: { text: string } }
  | { event: "log"; data: { level: "debug" | "info" | "warn" | "error"; message: string } }
  | { event: "result"; data: R };

export interface KilnClient {
  /** `POST /v1/run`: runs code (or a stored component) once. */
  run(request: RunRequest, options?: CallOptions): Promise<RunResult>;
  /** `POST /v1/runs/:id/replay`: runs a recorded run again, its host calls answered from the recording (`code`: ad-hoc runs, other code). */
  replay(runId: string, request?: { code?: string }, options?: CallOptions): Promise<ReplayOutcome>;
  runs: {
    /** `GET /v1/runs`: a page of the tenant's recent runs, newest first (`query.cursor`: the previous page's `cursor`). */
    list(query?: RunQuery, options?: CallOptions): Promise<RunPage>;
    /** `GET /v1/runs/:id`: one run with its output, logs and result. */
    get(runId: string, options?: CallOptions): Promise<RunRecord>;
  };
  /** `GET /v1/usage`: the tenant's fuel and runs this minute and day, and its quotas. */
  usage(options?: CallOptions): Promise<TenantUsage>;
  /**
   * `POST /v1/run` with `Accept: text/event-stream`: the run's output as it happens, then its `result`.
   * A request the server refuses throws a `KilnError` before any event; so does a host failure mid-stream.
   */
  runStream(request: RunRequest, options?: CallOptions): AsyncGenerator<RunStreamEvent, void, undefined>;
  /** `GET /v1/languages`. */
  languages(options?: CallOptions): Promise<LanguageInfo[]>;
  scripts: {
    /** `PUT /v1/scripts/:name`: deploys a new version and makes it live. */
    deploy(name: string, script: DeployRequest, options?: CallOptions): Promise<ScriptVersion>;
    /** `POST /v1/scripts/:name/invoke`: runs the live version with `input`. */
    invoke(name: string, input?: unknown, options?: CallOptions): Promise<InvokeResult>;
    /** The same, streamed (see `runStream`). */
    invokeStream(name: string, input?: unknown, options?: CallOptions): AsyncGenerator<RunStreamEvent<InvokeResult>, void, undefined>;
    /** `GET /v1/scripts`. */
    list(options?: CallOptions): Promise<ScriptSummary[]>;
    /** `GET /v1/scripts/:name`: the live version, with its code. */
    get(name: string, options?: CallOptions): Promise<ScriptWithCode>;
    /** `GET /v1/scripts/:name/versions`. */
    versions(name: string, options?: CallOptions): Promise<ScriptVersions>;
    /** `GET /v1/scripts/:name/versions/:version`: any version, live or not, with its code. */
    version(name: string, version: number, options?: CallOptions): Promise<ScriptWithCode>;
    /** `POST /v1/scripts/:name/rollback`: makes `version` live again. */
    rollback(name: string, version: number, options?: CallOptions): Promise<ScriptVersion>;
    /** `DELETE /v1/scripts/:name`: the script and all its versions. */
    delete(name: string, options?: CallOptions): Promise<void>;
  };
  secrets: {
    /** `PUT /v1/secrets/:name`. */
    put(name: string, value: string, options?: CallOptions): Promise<void>;
    /** `GET /v1/secrets`: the names. */
    list(options?: CallOptions): Promise<string[]>;
    /** `DELETE /v1/secrets/:name`. */
    delete(name: string, options?: CallOptions): Promise<void>;
  };
  components: {
    /** `POST /v1/components`: stores a component's bytes (the same bytes give the same record). */
    upload(bytes: Uint8Array<ArrayBuffer> | ArrayBuffer | Blob, options?: CallOptions): Promise<Component>;
    /** `GET /v1/components`: the tenant's components, oldest first. */
    list(options?: CallOptions): Promise<Component[]>;
    /** `GET /v1/components/:id`. */
    get(id: string, options?: CallOptions): Promise<Component>;
    /** `DELETE /v1/components/:id`. */
    delete(id: string, options?: CallOptions): Promise<void>;
  };
  logs: {
    /**
     * `GET /v1/logs/stream`: the tenant's events as they happen: `ready` first (the subscription is
     * live from then on), then a run's `log` events (log.write entries, stdout, stderr) and its `run`
     * event (how it ended). Break out of the loop, or abort `signal`, to stop.
     */
    follow(options?: CallOptions & { script?: string }): AsyncGenerator<LogStreamEvent, void, undefined>;
  };
  /** Tenants and their tokens, with the admin token. A tenant is named by its id or its name. */
  tenants: {
    /** `POST /v1/tenants`: a tenant and its first token. */
    create(name: string, tenant?: NewTenant, options?: CallOptions): Promise<CreatedTenant>;
    /** `GET /v1/tenants`. */
    list(options?: CallOptions): Promise<Tenant[]>;
    /** `GET /v1/tenants/:tenant`. */
    get(tenant: string, options?: CallOptions): Promise<Tenant>;
    /** `PATCH /v1/tenants/:tenant`: each part given replaces that part. */
    update(tenant: string, changes: TenantChanges, options?: CallOptions): Promise<Tenant>;
    /** `DELETE /v1/tenants/:tenant`: the tenant and everything it owns. */
    delete(tenant: string, options?: CallOptions): Promise<void>;
    /** `POST /v1/tenants/:tenant/tokens`: another token. */
    issueToken(tenant: string, request?: TokenRequest, options?: CallOptions): Promise<IssuedToken>;
  };
  /** `GET /dev/token`: a dev server's tokens, handed out only to a caller on the same machine. */
  devTokens(options?: CallOptions): Promise<DevTokens>;
  /** `GET /healthz`. */
  health(options?: CallOptions): Promise<Health>;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** A client for the server at `options.url`. */
export function createKilnClient(options: KilnClientOptions): KilnClient {
  const base = options.url.replace(/\/+$/, "");
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const segment = (value: string) => encodeURIComponent(value);

  async function send(method: string, path: string, init: { body?: BodyInit; type?: string; signal?: AbortSignal; accept?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: init.accept ?? "application/json" };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (init.type) headers["content-type"] = init.type;
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, { method, headers, body: init.body, signal: init.signal });
    } catch (e) {
      if (init.signal?.aborted) throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
      throw new KilnError(0, "connection_failed", `Cannot reach Kiln at ${base} (${why})`);
    }
    if (!response.ok) throw await KilnError.fromResponse(response);
    return response;
  }
  async function json<T>(method: string, path: string, body?: unknown, call?: CallOptions): Promise<T> {
    const response = await send(method, path, {
      ...(body !== undefined && { body: JSON.stringify(body), type: "application/json" }),
      signal: call?.signal,
    });
    return (await response.json()) as T;
  }

  async function* stream<R>(path: string, body: unknown, call?: CallOptions): AsyncGenerator<RunStreamEvent<R>, void, undefined> {
    const response = await send("POST", path, { body: JSON.stringify(body), type: "application/json", accept: "text/event-stream", signal: call?.signal });
    if (!response.body) return;
    for await (const { event, data } of serverSentEvents(response.body)) {
      if (event === "error") {
        const { error } = JSON.parse(data) as { error: { code: string; message: string } };
        throw new KilnError(500, error.code, error.message);
      }
      if (event === "stdout" || event === "stderr" || event === "log" || event === "result") yield { event, data: JSON.parse(data) } as RunStreamEvent<R>;
      if (event === "result") return;
    }
    throw new KilnError(0, "connection_failed", `The stream from ${base}${path} ended before the run's result`);
  }

  return {
    run: (request, call) => json<RunResult>("POST", "/v1/run", request, call),
    runStream: (request, call) => stream<RunResult>("/v1/run", request, call),
    replay: (runId, request, call) => json<ReplayOutcome>("POST", `/v1/runs/${segment(runId)}/replay`, request ?? {}, call),
    runs: {
      list: (query, call) => {
        const search = new URLSearchParams(Object.entries(query ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])));
        return json<RunPage>("GET", `/v1/runs${search.size ? `?${search}` : ""}`, undefined, call);
      },
      get: (runId, call) => json<RunRecord>("GET", `/v1/runs/${segment(runId)}`, undefined, call),
    },
    usage: (call) => json<TenantUsage>("GET", "/v1/usage", undefined, call),
    languages: async (call) => (await json<{ languages: LanguageInfo[] }>("GET", "/v1/languages", undefined, call)).languages,
    scripts: {
      deploy: (name, script, call) => json<ScriptVersion>("PUT", `/v1/scripts/${segment(name)}`, script, call),
      // The body is the input itself; JSON `null` when there is none.
      invoke: (name, input, call) => json<InvokeResult>("POST", `/v1/scripts/${segment(name)}/invoke`, input ?? null, call),
      invokeStream: (name, input, call) => stream<InvokeResult>(`/v1/scripts/${segment(name)}/invoke`, input ?? null, call),
      list: async (call) => (await json<{ scripts: ScriptSummary[] }>("GET", "/v1/scripts", undefined, call)).scripts,
      get: (name, call) => json<ScriptWithCode>("GET", `/v1/scripts/${segment(name)}`, undefined, call),
      versions: (name, call) => json<ScriptVersions>("GET", `/v1/scripts/${segment(name)}/versions`, undefined, call),
      version: (name, version, call) => json<ScriptWithCode>("GET", `/v1/scripts/${segment(name)}/versions/${version}`, undefined, call),
      rollback: (name, version, call) => json<ScriptVersion>("POST", `/v1/scripts/${segment(name)}/rollback`, { version }, call),
      delete: async (name, call) => void (await json("DELETE", `/v1/scripts/${segment(name)}`, undefined, call)),
    },
    secrets: {
      put: async (name, value, call) => void (await json("PUT", `/v1/secrets/${segment(name)}`, { value }, call)),
      list: async (call) => (await json<{ secrets: string[] }>("GET", "/v1/secrets", undefined, call)).secrets,
      delete: async (name, call) => void (await json("DELETE", `/v1/secrets/${segment(name)}`, undefined, call)),
    },
    components: {
      upload: async (bytes, call) => {
        const response = await send("POST", "/v1/components", { body: bytes, type: "application/wasm", signal: call?.signal });
        return (await response.json()) as Component;
      },
      list: async (call) => (await json<{ components: Component[] }>("GET", "/v1/components", undefined, call)).components,
      get: (id, call) => json<Component>("GET", `/v1/components/${segment(id)}`, undefined, call),
      delete: async (id, call) => void (await json("DELETE", `/v1/components/${segment(id)}`, undefined, call)),
    },
    logs: {
      async *follow(call = {}) {
        const query = call.script === undefined ? "" : `?script=${encodeURIComponent(call.script)}`;
        const response = await send("GET", `/v1/logs/stream${query}`, { accept: "text/event-stream", signal: call.signal });
        if (!response.body) return;
        for await (const { event, data } of serverSentEvents(response.body)) {
          // `ping` only keeps the connection open; an event this client does not know yet is left out.
          if (event === "ready" || event === "log" || event === "run") yield { event, data: JSON.parse(data) } as LogStreamEvent;
        }
      },
    },
    tenants: {
      create: (name, tenant, call) => json<CreatedTenant>("POST", "/v1/tenants", { ...tenant, name }, call),
      list: async (call) => (await json<{ tenants: Tenant[] }>("GET", "/v1/tenants", undefined, call)).tenants,
      get: (tenant, call) => json<Tenant>("GET", `/v1/tenants/${segment(tenant)}`, undefined, call),
      update: (tenant, changes, call) => json<Tenant>("PATCH", `/v1/tenants/${segment(tenant)}`, changes, call),
      delete: async (tenant, call) => void (await json("DELETE", `/v1/tenants/${segment(tenant)}`, undefined, call)),
      issueToken: (tenant, request, call) => json<IssuedToken>("POST", `/v1/tenants/${segment(tenant)}/tokens`, request ?? {}, call),
    },
    devTokens: (call) => json<DevTokens>("GET", "/dev/token", undefined, call),
    health: (call) => json<Health>("GET", "/healthz", undefined, call),
  };
}
