import { HostCallError } from "../errors.ts";
import type { RunGrants } from "./grants.ts";
import type { HostLimits } from "./capability-limits.ts";
import { createHttpHost } from "./http.ts";
import type { HttpTransport } from "./http-transport.ts";
import { createKvHost } from "./kv.ts";
import type { KvStore } from "./kv-store.ts";
import { RECORD_JSON } from "./record-json.ts";
import type { HostTape } from "./host-tape.ts";
import { createLogHost, type LogEntry } from "./log.ts";
import { createRedactor, createSecretsHost } from "./secrets.ts";
import { ENUMS, signatureOf, type KilnImports } from "./wit.ts";

/** What an engine is given to serve host calls: storage and network, per process or worker. */
export interface HostServices {
  kv?: KvStore;
  http?: HttpTransport;
}

/** The WIT integer types a guest may pass (JSON numbers; u64 and s64 up to 2^53). */
const INTEGERS: Record<string, [number, number]> = {
  u8: [0, 255], u16: [0, 65535], u32: [0, 2 ** 32 - 1], u64: [0, Number.MAX_SAFE_INTEGER],
  s8: [-128, 127], s16: [-32768, 32767], s32: [-(2 ** 31), 2 ** 31 - 1], s64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

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
  /** Aborts the run's in-flight http requests when it ends: made only for a run granted http (an AbortController costs as much as a small run's other host-side work). */
  readonly #abort: AbortController | undefined;
  #ended = false;
  readonly redact: (text: string) => string;
  readonly #deployCheck: boolean;
  readonly #tape: HostTape | undefined;

  /**
   * `deployCheck`: a deploy-time check, which must have no effect: every call but `log.write` is refused.
   * `deadline`: the run's deadline (epoch ms); every http request then ends before it, with time to spare.
   * `onLog`: sees each log entry as it is kept (a streamed run).
   * `tape`: records every answer, or answers from a recording (a replay): src/capabilities/host-tape.ts.
   */
  constructor(options: { grants: RunGrants; limits: HostLimits; services: HostServices; deployCheck?: boolean; deadline?: number; onLog?: (entry: LogEntry) => void; tape?: HostTape }) {
    const { grants, limits, services } = options;
    this.#deployCheck = options.deployCheck === true;
    this.#tape = options.tape;
    const log = createLogHost(limits, options.onLog);
    this.#logs = log.entries;
    this.redact = createRedactor(grants.secrets);
    this.#abort = grants.http && services.http ? new AbortController() : undefined;
    this.#imports = {
      log,
      kv: grants.kv && services.kv ? createKvHost(services.kv, { namespace: grants.kv.namespace, limits }) : undefined,
      http: grants.http && services.http ? createHttpHost(services.http, { allow: grants.http.allow, limits, signal: this.#abort!.signal, deadline: options.deadline }) : undefined,
      secrets: Object.keys(grants.secrets).length ? createSecretsHost(grants.secrets) : undefined,
    };
  }

  /** The run's log stream so far. */
  get logs(): LogEntry[] {
    return this.#logs;
  }

  /** Whether a function is async (the guest gets a promise) — from the WIT signatures. */
  static isAsync(iface: string, fn: string): boolean {
    return signatureOf(iface, fn)?.async === true;
  }

  /** Calls `iface.fn` with arguments checked against its WIT signature. Throws `HostCallError`. */
  call(iface: string, fn: string, args: unknown[]): unknown {
    return this.#tape ? this.#tape.call(iface, fn, args, () => this.#call(iface, fn, args)) : this.#call(iface, fn, args);
  }

  #call(iface: string, fn: string, args: unknown[]): unknown {
    if (this.#ended) throw new HostCallError("failed", "the run has ended");
    const signature = signatureOf(iface, fn);
    if (!signature) throw new HostCallError("invalid_argument", `no host function ${iface}.${fn}`);
    if (this.#deployCheck && iface !== "log") throw new HostCallError("capability_denied", `${iface}.${fn} ${DEPLOY_CHECK_REFUSAL}`);
    const impl = this.#imports[iface as keyof KilnImports] as Record<string, (...args: unknown[]) => unknown> | undefined;
    if (!impl) throw new HostCallError("capability_denied", `${iface} is not granted to this run`);
    const params = signature.params;
    if (args.length > params.length) throw new HostCallError("invalid_argument", `${iface}.${fn} takes ${params.length} arguments`);
    const result = impl[fn]!(...params.map((type, i) => checkParam(iface, type, args[i], `${iface}.${fn} argument ${i + 1}`)));
    const json = (value: unknown) => answerJson(iface, signature.result, value);
    return result instanceof Promise ? result.then(json) : json(result);
  }

  /** Ends the run's host side: in-flight requests are aborted and later calls refused. */
  dispose(): void {
    this.#ended = true;
    this.#abort?.abort();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** An argument checked against its WIT type (`type`, named in interface `iface`) and in the form the implementation takes. */
function checkParam(iface: string, type: string, value: unknown, where: string): unknown {
  const bad = (expected: string) => new HostCallError("invalid_argument", `${where} must be ${expected}`);
  const option = type.match(/^option<(.+)>$/);
  if (option) {
    if (value === undefined || value === null) return null;
    const inner = option[1]!;
    if (INTEGERS[inner] && !isInteger(value, inner)) throw bad(`${describeInteger(inner)} or null`);
    return checkParam(iface, inner, value, where);
  }
  if (type === "string") {
    if (typeof value !== "string") throw bad("a string");
    return value;
  }
  if (type === "bool") {
    if (typeof value !== "boolean") throw bad("a boolean");
    return value;
  }
  if (INTEGERS[type]) {
    if (!isInteger(value, type)) throw bad(describeInteger(type));
    return value;
  }
  const list = type.match(/^list<(.+)>$/);
  if (list && list[1] !== "u8") {
    if (!Array.isArray(value)) throw bad("a list");
    return value.map((item, i) => checkParam(iface, list[1]!, item, `${where} item ${i + 1}`));
  }
  const cases = (ENUMS as Record<string, readonly string[]>)[`${iface}.${type}`];
  if (cases) {
    if (typeof value !== "string" || !cases.includes(value)) throw bad(`one of ${cases.join(", ")}`);
    return value;
  }
  const record = RECORD_JSON[`${iface}.${type}`];
  if (record) return record.fromJson(value as never, bad);
  // A WIT type the host cannot read from JSON yet: a host bug, caught by test/capabilities/wit-generated.test.ts.
  throw new Error(`run-host: no JSON reading of the WIT type ${type} (${where})`);
}

function isInteger(value: unknown, type: string): value is number {
  const [min, max] = INTEGERS[type]!;
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

const describeInteger = (type: string) => (type.startsWith("u") ? "a non-negative integer" : "an integer");

/** An answer in its JSON form: records are converted (src/capabilities/http-json.ts); other values are JSON already. */
function answerJson(iface: string, type: string, value: unknown): unknown {
  const record = RECORD_JSON[`${iface}.${type}`];
  return record ? record.toJson(value as never) : value;
}

/** Whether the host can read every parameter type and answer every result type of the WIT (test/capabilities/wit-generated.test.ts). */
export function unsupportedWitTypes(signatures: Readonly<Record<string, Readonly<Record<string, { params: readonly string[]; result: string }>>>>): string[] {
  const readable = (iface: string, type: string): boolean => {
    const inner = type.match(/^(?:option|list)<(.+)>$/)?.[1];
    if (inner && inner !== "u8") return readable(iface, inner);
    return type === "string" || type === "bool" || type in INTEGERS || `${iface}.${type}` in ENUMS || `${iface}.${type}` in RECORD_JSON;
  };
  const answerable = (iface: string, type: string): boolean => {
    const inner = type.match(/^(?:option|list)<(.+)>$/)?.[1];
    if (inner && inner !== "u8") return answerable(iface, inner);
    return ["_", "string", "bool"].includes(type) || type in INTEGERS || `${iface}.${type}` in ENUMS || `${iface}.${type}` in RECORD_JSON;
  };
  return Object.entries(signatures).flatMap(([iface, fns]) =>
    Object.entries(fns).flatMap(([fn, sig]) => [
      ...sig.params.filter((t) => !readable(iface, t)).map((t) => `${iface}.${fn} takes ${t}`),
      ...(answerable(iface, sig.result) ? [] : [`${iface}.${fn} answers ${sig.result}`]),
    ]),
  );
}
