import type { Config } from "../config.ts";
import { RequestError } from "../errors.ts";
import { parseRequestedGrants } from "../capabilities/grants.ts";
import type { RequestedLimits } from "../limits/run-limits.ts";
import { utf8Length } from "../limits/output.ts";
import type { ScriptSpec } from "../platform/platform-store.ts";
import type { CodeRun, ComponentRun } from "../platform/runs.ts";

const LIMIT_KEYS = ["fuel", "memoryMb", "timeoutMs"] as const;

/** Parses a JSON request body that must be an object. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new RequestError("invalid_json", "The request body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new RequestError("invalid_request", "The request body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

/** Parses and validates a `POST /v1/run` body (code, or a stored component's id), throwing a `RequestError` for anything malformed. */
export function parseRunRequest(text: string, config: Config): CodeRun | ComponentRun {
  const body = parseJsonObject(text);
  if (body.component !== undefined) {
    const { component, language, code } = body;
    if (typeof component !== "string" || !/^[0-9a-f]{64}$/.test(component)) {
      throw new RequestError("invalid_request", "'component' must be the id (64 hex digits) POST /v1/components returned");
    }
    if (code !== undefined || (language !== undefined && language !== "component")) {
      throw new RequestError("invalid_request", "A run has either 'component' or 'language' and 'code', not both");
    }
    return { component, inputJson: encodeInput(body.input, config), limits: parseLimits(body.limits), grants: parseRequestedGrants(body.grants) };
  }
  return { ...parseScriptFields(body, config), inputJson: encodeInput(body.input, config) };
}

/** The fields a run and a deploy share: `{language, code, grants?, limits?, type?}`. */
export function parseScriptFields(body: Record<string, unknown>, config: Config): ScriptSpec {
  const { language, code, limits, grants, type } = body;
  if (typeof language !== "string" || language === "") {
    throw new RequestError("invalid_request", "'language' is required and must be a non-empty string");
  }
  if (language.toLowerCase() === "component") {
    throw new RequestError("invalid_request", "A component runs by id: POST /v1/run {\"component\": id}, after POST /v1/components");
  }
  if (typeof code !== "string") throw new RequestError("invalid_request", "'code' is required and must be a string");
  if (utf8Length(code) > config.maxCodeBytes) {
    throw new RequestError("payload_too_large", `'code' is larger than ${config.maxCodeBytes} bytes`);
  }
  if (type !== undefined && type !== "module" && type !== "script") throw new RequestError("invalid_request", "'type' must be \"module\" or \"script\"");
  return { language, code, limits: parseLimits(limits), grants: parseRequestedGrants(grants), ...(type !== undefined && { type }) };
}

/** How deeply a run's input may nest: deeper than any guest's JSON parser goes (Python's stops near 1000). */
export const MAX_INPUT_DEPTH = 512;

/** Whether a parsed JSON value nests deeper than `max` arrays and objects (counted without recursion). */
function nestsDeeper(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** JSON-encodes a run's input, within the input cap and the nesting limit. */
export function encodeInput(input: unknown, config: Config): string {
  if (nestsDeeper(input, MAX_INPUT_DEPTH)) {
    throw new RequestError("invalid_request", `'input' nests deeper than ${MAX_INPUT_DEPTH} levels of arrays and objects`);
  }
  const inputJson = JSON.stringify(input ?? null);
  if (utf8Length(inputJson) > config.maxInputBytes) {
    throw new RequestError("payload_too_large", `'input' is larger than ${config.maxInputBytes} bytes`);
  }
  return inputJson;
}

function parseLimits(limits: unknown): RequestedLimits | undefined {
  if (limits === undefined || limits === null) return undefined;
  if (typeof limits !== "object" || Array.isArray(limits)) {
    throw new RequestError("invalid_request", "'limits' must be an object");
  }
  const out: RequestedLimits = {};
  for (const [key, value] of Object.entries(limits)) {
    if (!(LIMIT_KEYS as readonly string[]).includes(key)) {
      throw new RequestError("invalid_request", `Unknown limit '${key}'; known: ${LIMIT_KEYS.join(", ")}`);
    }
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
      throw new RequestError("invalid_request", `'limits.${key}' must be a positive integer`);
    }
    out[key as (typeof LIMIT_KEYS)[number]] = value;
  }
  return out;
}
