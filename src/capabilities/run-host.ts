import { HostCallError } from "../errors.ts";
import type { RunGrants } from "./grants.ts";
import type { HostLimits } from "./capability-limits.ts";
import { createHttpHost } from "./http.ts";
import { requestFromJson, responseToJson } from "./http-json.ts";
import type { HttpTransport } from "./http-transport.ts";
import { createKvHost } from "./kv.ts";
import type { KvStore } from "./kv-store.ts";
import { createLogHost, type LogEntry } from "./log.ts";
import { createRedactor, createSecretsHost } from "./secrets.ts";
import { SIGNATURES, type HttpResponse, type KilnImports, type ParamType, type ResultType } from "./wit.ts";

/** What an engine is given to serve host calls: storage and network, per process or worker. */
export interface HostServices {
  kv?: KvStore;
  http?: HttpTransport;
}

const LEVELS = new Set(["debug", "info", "warn", "error"]);

/** What a refused host call says during a deploy check; a check that stops on it still deploys (script-routes). */
export const DEPLOY_CHECK_REFUSAL = "is not called during a deploy check";

/**
 * The host side of one run: the WIT interfaces bound to that run's grants and caps. Engines pass
 * it plain data only (arguments decoded from JSON) and get plain data back: records in their JSON
 * form (src/capabilities/http-json.ts), so every guest language gets the same answer.
 */
export class RunHost implements Disposable {
  readonly #imports: Partial<KilnImports>;
  readonly #logs: LogEntry[];
  readonly #abort = new AbortController();
  readonly redact: (text: string) => string;
  readonly #deployCheck: boolean;

  /**
   * `deployCheck`: a deploy-time check, which must have no effect: every call but `log.write` is refused.
   * `deadline`: the run's deadline (epoch ms); every http request then ends before it, with time to spare.
   */
  constructor(options: { grants: RunGrants; limits: HostLimits; services: HostServices; deployCheck?: boolean; deadline?: number }) {
    const { grants, limits, services } = options;
    this.#deployCheck = options.deployCheck === true;
    const log = createLogHost(limits);
    this.#logs = log.entries;
    this.redact = createRedactor(grants.secrets);
    this.#imports = {
      log,
      kv: grants.kv && services.kv ? createKvHost(services.kv, { namespace: grants.kv.namespace, limits }) : undefined,
      http: grants.http && services.http ? createHttpHost(services.http, { allow: grants.http.allow, limits, signal: this.#abort.signal, deadline: options.deadline }) : undefined,
      secrets: Object.keys(grants.secrets).length ? createSecretsHost(grants.secrets) : undefined,
    };
  }

  /** The run's log stream so far. */
  get logs(): LogEntry[] {
    return this.#logs;
  }

  /** Whether a function is async (the guest gets a promise) — from the WIT signatures. */
  static isAsync(iface: string, fn: string): boolean {
    return (SIGNATURES as any)[iface]?.[fn]?.async === true;
  }

  /** Calls `iface.fn` with arguments checked against its WIT signature. Throws `HostCallError`. */
  call(iface: string, fn: string, args: unknown[]): unknown {
    if (this.#abort.signal.aborted) throw new HostCallError("failed", "the run has ended");
    const signature = Object.hasOwn(SIGNATURES, iface) ? (SIGNATURES as any)[iface][fn] : undefined;
    if (!signature || !Object.hasOwn((SIGNATURES as any)[iface], fn)) throw new HostCallError("invalid_argument", `no host function ${iface}.${fn}`);
    if (this.#deployCheck && iface !== "log") throw new HostCallError("capability_denied", `${iface}.${fn} ${DEPLOY_CHECK_REFUSAL}`);
    const impl = this.#imports[iface as keyof KilnImports] as any;
    if (!impl) throw new HostCallError("capability_denied", `${iface} is not granted to this run`);
    const params = signature.params as readonly ParamType[];
    if (args.length > params.length) throw new HostCallError("invalid_argument", `${iface}.${fn} takes ${params.length} arguments`);
    const result = impl[fn](...params.map((type, i) => checkParam(type, args[i], `${iface}.${fn} argument ${i + 1}`)));
    const json = (value: unknown) => answerJson(signature.result as ResultType, value);
    return result instanceof Promise ? result.then(json) : json(result);
  }

  /** Ends the run's host side: in-flight requests are aborted and later calls refused. */
  dispose(): void {
    this.#abort.abort();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

function checkParam(type: ParamType, value: unknown, where: string): unknown {
  const bad = (expected: string) => new HostCallError("invalid_argument", `${where} must be ${expected}`);
  switch (type) {
    case "string":
      if (typeof value !== "string") throw bad("a string");
      return value;
    case "level":
      if (typeof value !== "string" || !LEVELS.has(value)) throw bad("one of debug, info, warn, error");
      return value;
    case "u32?":
    case "u64?": {
      if (value === undefined || value === null) return null;
      const max = type === "u32?" ? 2 ** 32 - 1 : Number.MAX_SAFE_INTEGER;
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) throw bad("a non-negative integer or null");
      return value;
    }
    case "request":
      return requestFromJson(value, bad);
  }
}

/** An answer in its JSON form: records are converted (src/capabilities/http-json.ts); other values are JSON already. */
function answerJson(type: ResultType, value: unknown): unknown {
  return type === "response" ? responseToJson(value as HttpResponse) : value;
}
