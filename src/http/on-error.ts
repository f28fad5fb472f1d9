import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { RequestError } from "../errors.ts";

/** Where host bugs are reported. */
export interface Logger {
  error(message: string, detail?: unknown): void;
}

/** The one place errors become HTTP responses: request errors are 4xx, anything else a logged 500. */
export function createOnError(logger: Logger) {
  return (err: Error, c: Context): Response => {
    if (err instanceof RequestError) {
      if (err.status === 401) c.header("WWW-Authenticate", 'Bearer realm="kiln"');
      if (err.retryAfter !== undefined) c.header("Retry-After", String(Math.ceil(err.retryAfter)));
      return c.json({ error: { code: err.code, message: err.message } }, err.status);
    }
    if (err instanceof HTTPException && err.status < 500) {
      const code = err.status === 413 ? "payload_too_large" : "invalid_request";
      return c.json({ error: { code, message: err.message || "Bad request" } }, err.status);
    }
    logger.error(`host error on ${c.req.method} ${c.req.path}`, err);
    return c.json({ error: { code: "internal_error", message: "Internal error; it has been logged" } }, 500);
  };
}
