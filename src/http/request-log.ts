import type { MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import { routePath } from "hono/route";
import type { Logger } from "../server-log.ts";
import type { KilnEnv } from "./authenticate.ts";

/** The longest `X-Request-Id` a caller may choose (letters, digits, `_`, `-` and `=` only); another is replaced by a new UUID. */
export const MAX_REQUEST_ID_LENGTH = 128;

/**
 * Gives each request an id, `c.get("requestId")`, answered in its `X-Request-Id` header: the caller's
 * own `X-Request-Id` when it is sane (see MAX_REQUEST_ID_LENGTH), else a new UUID. The server log's
 * lines about the request and its runs' log events carry it.
 */
export function requestIds(): MiddlewareHandler<KilnEnv> {
  return requestId({ limitLength: MAX_REQUEST_ID_LENGTH });
}

/**
 * Writes one `info` line per answered request: `{requestId, method, route, status, ms}`, `route` the
 * matched pattern (`/v1/scripts/:name`), so a line names no tenant's script or secret.
 */
export function requestLog(logger: Logger): MiddlewareHandler<KilnEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    logger.info?.("request", { method: c.req.method, route: routePath(c), status: c.res.status, ms }, { requestId: c.get("requestId") });
  };
}
