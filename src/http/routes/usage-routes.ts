import type { OpenAPIHono } from "@hono/zod-openapi";
import { FuelQuota } from "../../platform/fuel-quota.ts";
import type { AppContext } from "../app-context.ts";
import { requireTenant, type KilnEnv } from "../authenticate.ts";
import { createRoute, createRoutes, defineRoute, errorResponses, jsonResponse, TENANT_AUTH, z } from "../validation.ts";

const WINDOW = z.strictObject({
  fuel: z.int().describe("Fuel the tenant's runs burnt in the window"),
  fuelQuota: z.int().nullable().describe("The fuel budget for the window; null: unlimited"),
  runs: z.int().describe("Runs that ended in the window"),
  runsQuota: z.int().nullable().describe("Runs the rate limit allows in the window; null: unlimited"),
  resetsInSeconds: z.int().nullable().describe("Seconds until the window's counts start again; null: no run ended in it"),
});
const USAGE_BODY = z.strictObject({ minute: WINDOW, day: WINDOW }).meta({ id: "TenantUsage" });

const usageRoute = createRoute({
  method: "get",
  path: "/usage",
  summary: "The tenant's fuel and runs this minute and day, with its quotas",
  description: "Windows are fixed: each opens when the first run ends in it and lasts a minute or a day. Over a fuel quota, runs get 429 `quota_exceeded` until the window resets.",
  tags: ["runs"],
  security: TENANT_AUTH,
  responses: { 200: jsonResponse(USAGE_BODY, "Fuel and runs per window"), ...errorResponses(403) },
});

/** `GET /v1/usage` (`run` scope): the token's tenant's fuel and runs in the current minute and day. */
export function usageRoutes(ctx: AppContext): OpenAPIHono<KilnEnv> {
  const { config, platform } = ctx;
  const app = createRoutes();
  defineRoute(app, usageRoute, async (c) => {
    const tenant = await requireTenant(c, platform, "run");
    return c.json(await FuelQuota.of(platform.guard).usage(tenant.id, tenant.quotas, tenant.quotas?.runsPerMinute ?? config.rate.tenantPerMinute));
  });
  return app;
}
