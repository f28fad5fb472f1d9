import { BodyCutShort } from "./body-limit.ts";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { RequestError } from "../errors.ts";
import type { Logger } from "../server-log.ts";

export type { Logger };

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
    // A client that hung up mid-request (its body cut short) is its own doing, not a Kiln bug; nobody reads the answer.
    if (err instanceof BodyCutShort || c.req.raw.signal.aborted) {
      logger.info?.(`client closed the connection during ${c.req.method} ${c.req.path}`, { error: err.message }, ...requestContext(c));
      return c.json({ error: { code: "invalid_request", message: "The client closed the connection before the request was read" } }, 400);
    }
    logger.error(`host error on ${c.req.method} ${c.req.path}`, err, ...requestContext(c));
    return c.json({ error: { code: "internal_error", message: "Internal error; it has been logged" } }, 500);
  };
}

/** The request's id (set by the app's `requestId` middleware) for the log line, where it has one. */
function requestContext(c: Context): [] | [{ requestId: string }] {
  const requestId = c.get("requestId") as string | undefined;
  return requestId === undefined ? [] : [{ requestId }];
}
