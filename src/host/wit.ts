/**
 * The TypeScript shape of wit/ (package kiln:sandbox): one interface per WIT interface, with
 * kebab-case names in camelCase and `option<T>` as `T | null`. Host files implement these; a
 * `host-error` result is a thrown `HostCallError`. test/host/wit-surface.test.ts fails when this,
 * the guest's `kiln` module, or the signatures below disagree with the WIT.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogInterface {
  write(level: LogLevel, message: string): void;
}

export interface KvInterface {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number | null): Promise<void>;
  delete(key: string): Promise<boolean>;
  list(prefix: string, limit: number | null): Promise<string[]>;
}

export interface HttpRequest {
  method: string;
  url: string;
  headers: [string, string][];
  body: string | null;
}

export interface HttpResponse {
  status: number;
  headers: [string, string][];
  body: string;
}

export interface HttpInterface {
  fetch(req: HttpRequest): Promise<HttpResponse>;
}

export interface SecretsInterface {
  get(name: string): string | null;
}

/** Every interface the `script` world imports. */
export interface KilnImports {
  log: LogInterface;
  kv: KvInterface;
  http: HttpInterface;
  secrets: SecretsInterface;
}

/** WIT parameter types as the host checks them before calling an implementation. */
export type ParamType = "string" | "level" | "u32?" | "u64?" | "request";

/** Each function's parameters, in WIT order; `async` functions return a promise to the guest. */
export const SIGNATURES = {
  log: { write: { params: ["level", "string"], async: false } },
  kv: {
    get: { params: ["string"], async: true },
    set: { params: ["string", "string", "u64?"], async: true },
    delete: { params: ["string"], async: true },
    list: { params: ["string", "u32?"], async: true },
  },
  http: { fetch: { params: ["request"], async: true } },
  secrets: { get: { params: ["string"], async: false } },
} as const satisfies { [I in keyof KilnImports]: { [F in keyof KilnImports[I]]: { params: readonly ParamType[]; async: boolean } } };
