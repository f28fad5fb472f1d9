import type { OpenAPIHono } from "@hono/zod-openapi";
import { Hono, type MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Metrics } from "../../platform/metrics.ts";
import type { Platform } from "../../platform/platform.ts";
import { authenticate, requireAdmin, type KilnEnv } from "../authenticate.ts";
import { ADMIN_AUTH, createRoute, defineRoute, errorResponses, z } from "../validation.ts";

const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  summary: "The server's metrics (Prometheus text format)",
  description:
    "Runs by language and outcome, run duration and fuel histograms, the queue, busy workers, worker restarts, warm pool and snapshot hits, misses and evictions, HTTP requests by route and status, and process metrics. Needs the admin token; `KILN_METRICS_PORT` serves the same on 127.0.0.1 without one.",
  tags: ["meta"],
  security: ADMIN_AUTH,
  responses: {
    200: { description: "The Prometheus text exposition (version 0.0.4)", content: { "text/plain": { schema: z.string() } } },
    ...errorResponses(403),
  },
});

/** The scrape as a response. */
async function scrape(metrics: Metrics): Promise<Response> {
  const { contentType, text } = await metrics.scrape();
  return new Response(text, { headers: { "Content-Type": contentType } });
}

/** `GET /metrics` on the app (admin token): what the server counted, where the adapter counts (`metrics`). */
export function metricsRoutes(app: OpenAPIHono<KilnEnv>, platform: Platform, metrics: Metrics): void {
  app.use("/metrics", authenticate(platform));
  defineRoute(app, metricsRoute, (c) => {
    requireAdmin(c);
    return scrape(metrics);
  });
}

/**
 * `GET /metrics` alone, without a token: for a listener only this machine reaches (KILN_METRICS_PORT
 * binds 127.0.0.1), where a Prometheus on the host scrapes without holding the admin token.
 */
export function metricsOnlyApp(metrics: Metrics): Hono {
  const app = new Hono();
  app.get("/metrics", () => scrape(metrics));
  return app;
}

/** Counts every answered request by its matched route pattern (never the raw path: the labels stay few) and status. */
export function countRequests(metrics: Metrics): MiddlewareHandler<KilnEnv> {
  return async (c, next) => {
    await next();
    metrics.httpRequest(routePath(c), c.res.status);
  };
}
