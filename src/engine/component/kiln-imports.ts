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
      call(name: string, argsJson: string): string {
        const [iface = "", fn = ""] = name.split(".");
        let args: unknown;
        try {
          args = JSON.parse(argsJson);
        } catch {
          throw { payload: "invalid_argument: the arguments are not JSON" };
        }
        try {
          return (options.answer ?? JSON.stringify)(call(iface, fn, Array.isArray(args) ? args : []) ?? null);
        } catch (e) {
          if (e instanceof HostCallError) throw { payload: `${e.code}: ${options.redact(e.message)}` };
          throw e;
        }
      },
      callJson(request: string): string {
        let name: unknown, args: unknown;
        try {
          [name, args] = JSON.parse(request) as [unknown, unknown];
        } catch {
          throw { payload: "invalid_argument: the request is not JSON [name, [arguments]]" };
        }
        const [iface = "", fn = ""] = typeof name === "string" ? name.split(".") : [];
        try {
          return JSON.stringify(call(iface, fn, Array.isArray(args) ? args : []) ?? null);
        } catch (e) {
          if (e instanceof HostCallError) throw { payload: `${e.code}: ${options.redact(e.message)}` };
          throw e;
        }
      },
    },
    ...(sandboxImports(guarded) as unknown as SandboxImports),
  };
}

/**
 * `kiln:sandbox/<interface>` for every interface of the WIT's signature table (and the empty
 * `types`): each function converts its arguments from the component's form to the JSON form the
 * host checks, and the answer back.
 */
function sandboxImports(guarded: Call): Record<string, Record<string, (...args: unknown[]) => unknown>> {
  const out: Record<string, Record<string, (...args: unknown[]) => unknown>> = { "kiln:sandbox/types": {} };
  for (const [iface, fns] of Object.entries(SIGNATURE_TABLE)) {
    out[`kiln:sandbox/${iface}`] = Object.fromEntries(
      Object.entries(fns).map(([fn, sig]) => [
        fn,
        (...args: unknown[]) => fromJson(iface, sig.result, guarded(iface, fn, sig.params.map((type, i) => toJson(iface, type, args[i])))),
      ]),
    );
  }
  return out;
}

/** A component's value of WIT type `type` (in `iface`) in the host's JSON form. */
function toJson(iface: string, type: string, value: unknown): unknown {
  const option = type.match(/^option<(.+)>$/);
  if (option) return value === undefined || value === null ? null : toJson(iface, option[1]!, value);
  if (typeof value === "bigint") return Number(value);
  const list = type.match(/^list<(.+)>$/);
  if (list && list[1] !== "u8" && Array.isArray(value)) return value.map((item) => toJson(iface, list[1]!, item));
  const fields = (RECORDS as Record<string, Record<string, string>>)[`${iface}.${type}`];
  const record = RECORD_JSON[`${iface}.${type}`];
  if (fields && record) {
    // jco leaves an absent option field out; the record's TypeScript form has it as null.
    const full = Object.fromEntries(Object.entries(fields).map(([name, fieldType]) => [camel(name), /^option</.test(fieldType) ? ((value as Record<string, unknown>)[camel(name)] ?? null) : (value as Record<string, unknown>)[camel(name)]]));
    return record.toJson(full as never);
  }
  return value;
}

/** The host's JSON answer of WIT type `type` (in `iface`) in a component's form. */
function fromJson(iface: string, type: string, value: unknown): unknown {
  const option = type.match(/^option<(.+)>$/);
  if (option) return value === null || value === undefined ? undefined : fromJson(iface, option[1]!, value);
  if (type === "u64" || type === "s64") return BigInt(value as number);
  const list = type.match(/^list<(.+)>$/);
  if (list && list[1] !== "u8" && Array.isArray(value)) return value.map((item) => fromJson(iface, list[1]!, item));
  const record = RECORD_JSON[`${iface}.${type}`];
  // The host answers in the JSON form; a component gets the WIT record (a repeated header arrives joined).
  return record ? record.fromJson(value as never, () => new HostCallError("failed", `the host's ${type} is malformed`)) : value;
}

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
