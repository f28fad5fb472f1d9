import { HostCallError, type HostErrorCode } from "../../errors.ts";
import { RECORD_JSON } from "../../capabilities/record-json.ts";
import { RECORDS, SIGNATURE_TABLE, type SandboxImports } from "../../capabilities/wit.ts";

type Call = (iface: string, fn: string, args: unknown[]) => unknown;

/** `host-error` cases of wit/types.wit by Kiln's host error code. */
const CASES: Record<HostErrorCode, string> = { capability_denied: "denied", limit_exceeded: "limit", invalid_argument: "invalid", failed: "failed" };

/**
 * The Kiln host as component imports, keyed as jco's glue looks them up (without versions):
 * `kiln:sandbox/*`, the WIT interfaces a caller's own component imports, and `kiln:runtime/host`,
 * what Kiln's own runtimes call: `call` (JSON in, the answer in the runtime's own encoding: `answer`, a Lua
 * literal for Lua) and `call-json` (JSON in and out: Ruby, Python). Every call goes through
 * `call`, which checks grants and arguments. The `kiln:sandbox/*` functions are made from the WIT's
 * signature table (src/capabilities/wit.ts), converting each value between the component's form
 * (jco's: `option` as undefined, `u64` as bigint, records as objects) and the host's JSON form. A `HostCallError` becomes the WIT error value; any
 * other exception is a host bug and ends the run.
 */
export function kilnImports(call: Call, options: { redact: (text: string) => string; answer?: (value: unknown) => string }) {
  const guarded = (iface: string, fn: string, args: unknown[]) => {
    try {
      return call(iface, fn, args);
    } catch (e) {
      if (e instanceof HostCallError) throw { payload: { tag: CASES[e.code], val: options.redact(e.message) } };
      throw e;
    }
  };
  return {
    "kiln:runtime/host": {
      call(name: string, argsJson: string): string | Promise<string> {
        const [iface = "", fn = ""] = name.split(".");
        let args: unknown;
        try {
          args = JSON.parse(argsJson);
        } catch {
          throw { payload: "invalid_argument: the arguments are not JSON" };
        }
        return answered(() => call(iface, fn, Array.isArray(args) ? args : []), options.answer ?? JSON.stringify);
      },
      callJson(request: string): string | Promise<string> {
        let name: unknown, args: unknown;
        try {
          [name, args] = JSON.parse(request) as [unknown, unknown];
        } catch {
          throw { payload: "invalid_argument: the request is not JSON [name, [arguments]]" };
        }
        const [iface = "", fn = ""] = typeof name === "string" ? name.split(".") : [];
        return answered(() => call(iface, fn, Array.isArray(args) ? args : []), JSON.stringify);
      },
    },
    ...(sandboxImports(guarded) as unknown as SandboxImports),
  };

  /**
   * A `kiln:runtime/host` answer encoded, or its `HostCallError` as the error payload. A call may answer
   * a promise only where jco's glue awaits this import (JSPI, see PreparedComponentRuntime.suspending).
   */
  function answered(run: () => unknown, encode: (value: unknown) => string): string | Promise<string> {
    const failure = (e: unknown): never => {
      if (e instanceof HostCallError) throw { payload: `${e.code}: ${options.redact(e.message)}` };
      throw e;
    };
    try {
      const value = run();
      return value instanceof Promise ? value.then((v: unknown) => encode(v ?? null)).catch(failure) : encode(value ?? null);
    } catch (e) {
      return failure(e);
    }
  }
}

type Convert = (value: unknown) => unknown;

/** Each WIT function's converters (made once, when this module loads): its parameters' to the JSON form, its answer's from it. */
const CONVERTERS = Object.entries(SIGNATURE_TABLE).map(([iface, fns]) => ({
  iface,
  fns: Object.entries(fns).map(([fn, sig]) => ({ fn, params: sig.params.map((type) => toJson(iface, type)), result: fromJson(iface, sig.result) })),
}));

/**
 * `kiln:sandbox/<interface>` for every interface of the WIT's signature table (and the empty
 * `types`): each function converts its arguments from the component's form to the JSON form the
 * host checks, and the answer back.
 */
function sandboxImports(guarded: Call): Record<string, Record<string, (...args: unknown[]) => unknown>> {
  const out: Record<string, Record<string, (...args: unknown[]) => unknown>> = { "kiln:sandbox/types": {} };
  for (const { iface, fns } of CONVERTERS) {
    out[`kiln:sandbox/${iface}`] = Object.fromEntries(fns.map(({ fn, params, result }) => [fn, (...args: unknown[]) => result(guarded(iface, fn, params.map((convert, i) => convert(args[i]))))]));
  }
  return out;
}

/** A value that is the same in both forms. */
function same(value: unknown): unknown {
  return value;
}

/** How a component's value of WIT type `type` (in `iface`) becomes the host's JSON form. */
function toJson(iface: string, type: string): Convert {
  const option = type.match(/^option<(.+)>$/);
  if (option) {
    const inner = toJson(iface, option[1]!);
    return (value) => (value === undefined || value === null ? null : inner(value));
  }
  if (type === "u64" || type === "s64") return (value) => (typeof value === "bigint" ? Number(value) : value);
  const list = type.match(/^list<(.+)>$/);
  if (list && list[1] !== "u8") {
    const item = toJson(iface, list[1]!);
    return (value) => (Array.isArray(value) ? value.map(item) : value);
  }
  const fields = (RECORDS as Record<string, Record<string, string>>)[`${iface}.${type}`];
  const record = RECORD_JSON[`${iface}.${type}`];
  if (fields && record) {
    // jco leaves an absent option field out; the record's TypeScript form has it as null.
    const names = Object.entries(fields).map(([name, fieldType]) => [camel(name), fieldType.startsWith("option<")] as const);
    return (value) => record.toJson(Object.fromEntries(names.map(([name, optional]) => [name, optional ? ((value as Record<string, unknown>)[name] ?? null) : (value as Record<string, unknown>)[name]])) as never);
  }
  return same;
}

/** How the host's JSON answer of WIT type `type` (in `iface`) becomes a component's value. */
function fromJson(iface: string, type: string): Convert {
  const option = type.match(/^option<(.+)>$/);
  if (option) {
    const inner = fromJson(iface, option[1]!);
    return (value) => (value === null || value === undefined ? undefined : inner(value));
  }
  if (type === "u64" || type === "s64") return (value) => BigInt(value as number);
  const list = type.match(/^list<(.+)>$/);
  if (list && list[1] !== "u8") {
    const item = fromJson(iface, list[1]!);
    return (value) => (Array.isArray(value) ? value.map(item) : value);
  }
  const record = RECORD_JSON[`${iface}.${type}`];
  // The host answers in the JSON form; a component gets the WIT record (a repeated header arrives joined).
  if (record) return (value) => record.fromJson(value as never, () => new HostCallError("failed", `the host's ${type} is malformed`));
  return same;
}

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
