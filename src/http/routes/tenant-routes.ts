import { Hono } from "hono";
import { RequestError } from "../../errors.ts";
import { createTenant, issueTenantToken, type TenantRequest } from "../../platform/tenants.ts";
import type { AppContext } from "../app-context.ts";
import { requireAdmin, type KilnEnv } from "../authenticate.ts";
import { parseJsonObject } from "../run-request.ts";

/** Admin routes: `POST /v1/tenants {name, grants?, scopes?, ttlSeconds?}` → `{tenant, token}`, and more tokens. */
export function tenantRoutes(ctx: AppContext): Hono<KilnEnv> {
  const { config, platform } = ctx;
  const app = new Hono<KilnEnv>();

  app.post("/tenants", async (c) => {
    requireAdmin(c);
    return c.json(await createTenant(platform, config, parseJsonObject(await c.req.text()) as TenantRequest), 201);
  });

  app.post("/tenants/:id/tokens", async (c) => {
    requireAdmin(c);
    const tenant = await platform.store.getTenant(c.req.param("id"));
    if (!tenant) throw new RequestError("not_found", "No such tenant");
    const body = parseJsonObject((await c.req.text()) || "{}") as TenantRequest;
    return c.json({ token: await issueTenantToken(platform, config, tenant.id, body) }, 201);
  });
  return app;
}
