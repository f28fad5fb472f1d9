import type { OpenAPIHono } from "@hono/zod-openapi";
import { createTenant, deleteTenant, describeTenant, findTenant, issueTenantToken, TENANT_SCOPES, updateTenant } from "../../platform/tenants.ts";
import type { AppContext } from "../app-context.ts";
import { requireAdmin, type KilnEnv } from "../authenticate.ts";
import { ADMIN_AUTH, createRoute, createRoutes, defineRoute, errorResponses, jsonBody, jsonResponse, z } from "../validation.ts";

const NAME = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "must be 1-64 letters, digits, _ or -");
const SCOPES = z.array(z.enum(TENANT_SCOPES)).min(1, "must name at least one scope");
/** What a tenant's runs may be granted at most; each part given replaces that part. */
const GRANTS = z
  .strictObject({
    http: z.strictObject({ allow: z.array(z.string()).describe("Host patterns: `api.example.com`, `*.example.com`, `host:port`, `*`") }).optional(),
    kv: z.strictObject({ maxKeys: z.int().min(0).describe("Live keys per kv namespace") }).optional(),
  })
  .meta({ id: "TenantGrantsRequest" });
/** The tenant's own quotas; each absent one is the server's. Given, it replaces the quotas (`{}`: back to the server's). */
const QUOTAS = z
  .strictObject({
    runsPerMinute: z.int().min(1).optional().describe("Runs per minute, in place of KILN_RATE_TENANT_PER_MINUTE"),
    fuelPerMinute: z.int().min(1).optional().describe("Fuel its runs may burn per minute, in place of KILN_FUEL_PER_MINUTE"),
    fuelPerDay: z.int().min(1).optional().describe("Fuel its runs may burn per day, in place of KILN_FUEL_PER_DAY"),
    runHistoryMax: z.int().min(0).optional().describe("Runs kept in its run history (0: none), in place of KILN_RUN_HISTORY_MAX"),
    runHistoryDays: z.int().min(1).optional().describe("Days its runs are kept, in place of KILN_RUN_HISTORY_DAYS"),
  })
  .meta({ id: "TenantQuotas" });
const TTL = z.int().min(60).describe("Seconds the token is valid; at most KILN_TOKEN_MAX_TTL_SECONDS (default one year)");

const TENANT = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    grants: z.strictObject({ http: z.strictObject({ allow: z.array(z.string()) }), kv: z.strictObject({ maxKeys: z.int() }) }),
    scopes: z.array(z.enum(TENANT_SCOPES)).describe("What the tenant's tokens may do"),
    quotas: QUOTAS,
    createdAt: z.string().describe("ISO 8601"),
  })
  .meta({ id: "Tenant" });
const TOKEN = z.strictObject({ token: z.string(), scopes: z.array(z.enum(TENANT_SCOPES)), expiresAt: z.string().describe("ISO 8601") }).meta({ id: "TenantToken" });
const TENANT_REF = z.object({ tenant: z.string().describe("The tenant's id or name") });

const createTenantRoute = createRoute({
  method: "post",
  path: "/tenants",
  summary: "Create a tenant and its first token",
  tags: ["tenants"],
  security: ADMIN_AUTH,
  request: {
    body: jsonBody(
      z.strictObject({
        name: NAME,
        grants: GRANTS.optional().describe("Default: no http, the server's kv quota"),
        scopes: SCOPES.optional().describe("What its tokens may do; default run, deploy, logs"),
        quotas: QUOTAS.optional(),
        ttlSeconds: TTL.optional().describe("The first token's lifetime; default KILN_TOKEN_TTL_SECONDS"),
      }),
    ),
  },
  responses: {
    201: jsonResponse(z.strictObject({ tenant: TENANT, token: z.string(), expiresAt: z.string() }), "The tenant and a token with its scopes"),
    ...errorResponses(403, 409),
  },
});

const listTenantsRoute = createRoute({
  method: "get",
  path: "/tenants",
  summary: "Every tenant",
  tags: ["tenants"],
  security: ADMIN_AUTH,
  responses: { 200: jsonResponse(z.strictObject({ tenants: z.array(TENANT) }), "The tenants, by name"), ...errorResponses(403) },
});

const getTenantRoute = createRoute({
  method: "get",
  path: "/tenants/{tenant}",
  summary: "One tenant, by id or name",
  tags: ["tenants"],
  security: ADMIN_AUTH,
  request: { params: TENANT_REF },
  responses: { 200: jsonResponse(TENANT, "The tenant"), ...errorResponses(403, 404) },
});

const updateTenantRoute = createRoute({
  method: "patch",
  path: "/tenants/{tenant}",
  summary: "Change a tenant's grants, scopes and quotas",
  description:
    "Each part given replaces that part (`grants.http`, `grants.kv`, `scopes`, `quotas`). Narrower grants apply to its deployed scripts from their next invocation, narrower scopes to its tokens from their next request, a quota from its next run.",
  tags: ["tenants"],
  security: ADMIN_AUTH,
  request: { params: TENANT_REF, body: jsonBody(z.strictObject({ grants: GRANTS.optional(), scopes: SCOPES.optional(), quotas: QUOTAS.optional() })) },
  responses: { 200: jsonResponse(TENANT, "The tenant as it is now"), ...errorResponses(403, 404) },
});

const deleteTenantRoute = createRoute({
  method: "delete",
  path: "/tenants/{tenant}",
  summary: "Delete a tenant with everything it owns",
  description: "Its scripts, secrets, components and (on Node and Redis) kv entries go with it; its tokens get 401 from then on.",
  tags: ["tenants"],
  security: ADMIN_AUTH,
  request: { params: TENANT_REF },
  responses: { 200: jsonResponse(z.strictObject({ deleted: z.string(), id: z.string() }), "The deleted tenant's name and id"), ...errorResponses(403, 404) },
});

const issueTokenRoute = createRoute({
  method: "post",
  path: "/tenants/{tenant}/tokens",
  summary: "Issue a token for a tenant, by id or name",
  tags: ["tenants"],
  security: ADMIN_AUTH,
  request: {
    params: TENANT_REF,
    body: jsonBody(
      z
        .strictObject({ scopes: SCOPES.optional().describe("Some of the tenant's scopes; default all of them"), ttlSeconds: TTL.optional().describe("Default KILN_TOKEN_TTL_SECONDS") })
        .optional(),
      { required: false },
    ),
  },
  responses: { 201: jsonResponse(TOKEN, "The token, its scopes and when it expires"), ...errorResponses(403, 404) },
});

/** Admin routes: tenants (create, list, get, change, delete) and their tokens. A tenant is named by its id or its name. */
export function tenantRoutes(ctx: AppContext): OpenAPIHono<KilnEnv> {
  const { config, platform } = ctx;
  const app = createRoutes();

  defineRoute(app, createTenantRoute, async (c, valid) => {
    requireAdmin(c);
    const { body } = await valid();
    return c.json(await createTenant(platform, config, body), 201);
  });
  defineRoute(app, listTenantsRoute, async (c) => {
    requireAdmin(c);
    return c.json({ tenants: (await platform.store.listTenants()).map(describeTenant) });
  });
  defineRoute(app, getTenantRoute, async (c, valid) => {
    requireAdmin(c);
    const { params } = await valid();
    return c.json(describeTenant(await findTenant(platform, params.tenant)));
  });
  defineRoute(app, updateTenantRoute, async (c, valid) => {
    requireAdmin(c);
    const { params, body } = await valid();
    return c.json(describeTenant(await updateTenant(platform, await findTenant(platform, params.tenant), body)));
  });
  defineRoute(app, deleteTenantRoute, async (c, valid) => {
    requireAdmin(c);
    const { params } = await valid();
    const tenant = await findTenant(platform, params.tenant);
    await deleteTenant(platform, tenant);
    return c.json({ deleted: tenant.name, id: tenant.id });
  });
  defineRoute(app, issueTokenRoute, async (c, valid) => {
    requireAdmin(c);
    const { params, body } = await valid();
    return c.json(await issueTenantToken(platform, config, await findTenant(platform, params.tenant), body ?? {}), 201);
  });
  return app;
}
