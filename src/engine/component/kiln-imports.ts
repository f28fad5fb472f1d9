import { HostCallError, type HostErrorCode } from "../../errors.ts";
import { requestToJson, responseFromJson, type HttpResponseJson } from "../../capabilities/http-json.ts";
import type { HttpRequest } from "../../capabilities/wit.ts";

type Call = (iface: string, fn: string, args: unknown[]) => unknown;

/** `host-error` cases of wit/types.wit by Kiln's host error code. */
const CASES: Record<HostErrorCode, string> = { capability_denied: "denied", limit_exceeded: "limit", invalid_argument: "invalid", failed: "failed" };

/**
 * The Kiln host as component imports, keyed as jco's glue looks them up (without versions):
 * `kiln:sandbox/*`, the WIT interfaces a caller's own component imports, and `kiln:runtime/host`,
 * what Kiln's own runtimes call: `call` (JSON in, the answer in the runtime's own encoding: `answer`, a Lua
 * literal for Lua) and `call-json` (JSON in and out: Ruby, Python). Every call goes through
 * `call`, which checks grants and arguments. A `HostCallError` becomes the WIT error value; any
 * other exception is a host bug and ends the run.
 */
export function kilnImports(call: Call, options: { redact: (text: string) => string; answer: (value: unknown) => string }) {
  const guarded = (iface: string, fn: string, args: unknown[]) => {
    try {
      return call(iface, fn, args);
    } catch (e) {
      if (e instanceof HostCallError) throw { payload: { tag: CASES[e.code], val: options.redact(e.message) } };
      throw e;
    }
  };
  const optional = (v: unknown) => (v === undefined ? null : typeof v === "bigint" ? Number(v) : v);
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
          return options.answer(call(iface, fn, Array.isArray(args) ? args : []) ?? null);
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
    "kiln:sandbox/log": { write: (level: string, message: string) => guarded("log", "write", [level, message]) },
    "kiln:sandbox/kv": {
      get: (key: string) => guarded("kv", "get", [key]) ?? undefined,
      set: (key: string, value: string, ttlMs?: bigint) => guarded("kv", "set", [key, value, optional(ttlMs)]),
      delete: (key: string) => guarded("kv", "delete", [key]),
      list: (prefix: string, limit?: number) => guarded("kv", "list", [prefix, optional(limit)]),
    },
    // The host answers in the JSON form; a component gets the WIT record (a repeated header arrives joined).
    "kiln:sandbox/http": {
      fetch: (req: Omit<HttpRequest, "body"> & { body?: Uint8Array }) =>
        responseFromJson(guarded("http", "fetch", [requestToJson({ ...req, body: req.body ?? null })]) as HttpResponseJson),
    },
    "kiln:sandbox/secrets": { get: (name: string) => guarded("secrets", "get", [name]) ?? undefined },
    "kiln:sandbox/types": {},
  };
}
