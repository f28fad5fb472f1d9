import type { OpenAPIHono } from "@hono/zod-openapi";
import type { GetConnInfo } from "hono/conninfo";
import { RequestError } from "../../errors.ts";
import { devBootstrap } from "../../platform/create-platform.ts";
import type { AppContext } from "../app-context.ts";
import type { KilnEnv } from "../authenticate.ts";
import { createRoute, createRoutes, defineRoute, errorResponses, jsonResponse, z } from "../validation.ts";

const LOOPBACK_ADDRESS = /^(?:127(?:\.\d{1,3}){3}|::1|::ffff:127(?:\.\d{1,3}){3})$/i;
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Whether the request's `Host` names this machine (so a DNS-rebound page, whose Host is its own name, is refused). */
function loopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  try {
    return LOOPBACK_HOST.test(new URL(`http://${host}`).hostname);
  } catch {
    return false;
  }
}

const tokenRoute = createRoute({
  method: "get",
  path: "/dev/token",
  summary: "Dev mode only: the dev tenant's token and the admin token, for a caller on the same machine",
  tags: ["meta"],
  security: [],
  responses: { 200: jsonResponse(z.strictObject({ adminToken: z.string(), tenantToken: z.string() }), "The tokens the server logged at start"), ...errorResponses(403, 404) },
});

/**
 * `GET /dev/token` (no token needed): in dev mode only, the dev tenant's token and the admin token (the
 * ones the server logs at start) for a caller on the same machine, so `npx kiln run x.py` against
 * `npm start` needs no copying. The connection's address is the adapter's to tell (`connInfo`); where
 * it cannot (the edge adapters), or in production, the route does not exist, and a caller from another
 * address, or through a Host that is not loopback, gets a 403.
 */
export function devRoutes(ctx: AppContext, connInfo: GetConnInfo | undefined): OpenAPIHono<KilnEnv> {
  const { config, platform } = ctx;
  const app = createRoutes();
  // Absent (from the app and its OpenAPI document) where it could never answer.
  if (config.mode === "production" || !connInfo) return app;
  defineRoute(app, tokenRoute, async (c) => {
    let address: string | undefined;
    try {
      address = connInfo(c).remote.address;
    } catch {
      // A request that did not come through the adapter's server (no connection to ask about).
    }
    if (!address || !LOOPBACK_ADDRESS.test(address) || !loopbackHost(c.req.header("host"))) {
      throw new RequestError("forbidden", "The dev token is handed out only to a caller on the server's own machine (a loopback address and Host)");
    }
    const tokens = await devBootstrap(platform, config);
    if (!tokens) throw new RequestError("not_found", `No route for ${c.req.method} ${c.req.path}`);
    return c.json(tokens);
  });
  return app;
}
