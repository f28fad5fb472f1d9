import { HostCallError } from "../errors.ts";
import type { HttpRequest, HttpResponse } from "./wit.ts";

/**
 * The JSON form of wit/http.wit's records, for guests that talk to the host in JSON (JavaScript,
 * TypeScript, Python, Lua, Ruby). It is derived field by field from the WIT record (the rules are
 * in wit/http.wit): `headers` (a list of pairs) is an object by lower-case name, with repeated
 * names joined by ", "; `body` (bytes) is a string plus `bodyEncoding`, `"utf8"` when the bytes
 * are valid UTF-8, else `"base64"`.
 */
export type BodyEncoding = "utf8" | "base64";

export interface HttpRequestJson {
  method: string;
  url: string;
  headers: Record<string, string> | [string, string][];
  body: string | null;
  bodyEncoding: BodyEncoding;
}

export interface HttpResponseJson {
  status: number;
  headers: Record<string, string>;
  body: string;
  bodyEncoding: BodyEncoding;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Bytes as standard base64 (with padding). Web APIs only, so it runs on every adapter. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Standard base64 (padding required, no whitespace) as bytes; undefined when `text` is not base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A body as JSON: its text when the bytes are valid UTF-8, else base64. */
export function bodyToJson(bytes: Uint8Array): { body: string; bodyEncoding: BodyEncoding } {
  try {
    return { body: utf8.decode(bytes), bodyEncoding: "utf8" };
  } catch {
    return { body: toBase64(bytes), bodyEncoding: "base64" };
  }
}

/** Header pairs as an object by lower-case name; a repeated name's values are joined with ", " in order. */
export function headersToJson(pairs: [string, string][]): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    out[key] = Object.hasOwn(out, key) ? `${out[key]}, ${value}` : value;
  }
  return { ...out };
}

/** A response record in its JSON form. */
export function responseToJson(response: HttpResponse): HttpResponseJson {
  return { status: response.status, headers: headersToJson(response.headers), ...bodyToJson(response.body) };
}

/**
 * A request in its JSON form (or a bare URL string, a GET) as a WIT record, checked. `bad` makes
 * the error for a malformed request. Headers may be an object or [name, value] pairs.
 */
export function requestFromJson(value: unknown, bad: (expected: string) => HostCallError): HttpRequest {
  if (typeof value === "string") return { method: "GET", url: value, headers: [], body: null };
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad("a request {method, url, headers, body, bodyEncoding} or a URL");
  const { method = "GET", url, headers = [], body = null, bodyEncoding = "utf8" } = value as Record<string, unknown>;
  if (typeof method !== "string" || typeof url !== "string") throw bad("a request with a string method and url");
  const pairs = Array.isArray(headers) ? headers : typeof headers === "object" && headers ? Object.entries(headers) : undefined;
  if (!pairs || !pairs.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === "string" && typeof p[1] === "string")) {
    throw bad("a request whose headers are an object of strings or [name, value] string pairs");
  }
  if (body !== null && typeof body !== "string") throw bad("a request whose body is a string or null");
  if (bodyEncoding !== "utf8" && bodyEncoding !== "base64") throw bad('a request whose bodyEncoding is "utf8" or "base64"');
  let bytes: Uint8Array | null = null;
  if (body !== null) {
    const decoded = bodyEncoding === "base64" ? fromBase64(body) : encoder.encode(body);
    if (!decoded) throw bad("a request whose base64 body is valid base64");
    bytes = decoded;
  }
  return { method, url, headers: pairs as [string, string][], body: bytes };
}

/** A request record in its JSON form (the body as base64, so any bytes survive). */
export function requestToJson(request: HttpRequest): HttpRequestJson {
  return {
    method: request.method,
    url: request.url,
    headers: request.headers.map(([n, v]): [string, string] => [n, v]),
    body: request.body === null ? null : toBase64(request.body),
    bodyEncoding: request.body === null ? "utf8" : "base64",
  };
}

/** A response in its JSON form back as a WIT record (a repeated header arrives as one joined value). */
export function responseFromJson(json: HttpResponseJson): HttpResponse {
  const body = json.bodyEncoding === "base64" ? fromBase64(json.body) : encoder.encode(json.body);
  if (!body) throw new HostCallError("failed", "http: the response body is not valid base64");
  return { status: json.status, headers: Object.entries(json.headers), body };
}
