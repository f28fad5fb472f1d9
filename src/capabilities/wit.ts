/**
 * The TypeScript shape of wit/ (package kiln:sandbox): one interface per WIT interface, with
 * kebab-case names in camelCase, `option<T>` as `T | null` and `list<u8>` as `Uint8Array`. Host
 * files implement these; a `host-error` result is a thrown `HostCallError`. Guests that speak JSON
 * get records in their JSON form (src/capabilities/http-json.ts, described in wit/http.wit). test/capabilities/wit-surface.test.ts fails when this,
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
  body: Uint8Array | null;
}

export interface HttpResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
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

/** WIT result types (the `ok` side of `result<T, host-error>`), as the host answers them. */
export type ResultType = "void" | "bool" | "string?" | "strings" | "response";

/** Each function's parameters and result, in WIT order; `async` functions return a promise to the guest. */
export const SIGNATURES = {
  log: { write: { params: ["level", "string"], result: "void", async: false } },
  kv: {
    get: { params: ["string"], result: "string?", async: true },
    set: { params: ["string", "string", "u64?"], result: "void", async: true },
    delete: { params: ["string"], result: "bool", async: true },
    list: { params: ["string", "u32?"], result: "strings", async: true },
  },
  http: { fetch: { params: ["request"], result: "response", async: true } },
  secrets: { get: { params: ["string"], result: "string?", async: false } },
} as const satisfies {
  [I in keyof KilnImports]: { [F in keyof KilnImports[I]]: { params: readonly ParamType[]; result: ResultType; async: boolean } };
};

/** Each WIT record's fields, in WIT order, with their WIT types (test/capabilities/wit-surface.test.ts checks them against wit/). */
export const RECORDS = {
  "http.request": { method: "string", url: "string", headers: "list<tuple<string, string>>", body: "option<list<u8>>" },
  "http.response": { status: "u16", headers: "list<tuple<string, string>>", body: "list<u8>" },
} as const;

// The TypeScript records have exactly the WIT records' fields.
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
true satisfies SameKeys<HttpRequest, (typeof RECORDS)["http.request"]>;
true satisfies SameKeys<HttpResponse, (typeof RECORDS)["http.response"]>;
