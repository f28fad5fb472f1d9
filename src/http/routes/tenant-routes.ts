import { Hono } from "hono";
import { RequestError } from "../../errors.ts";
import { parseHostPattern } from "../../host/host-allowlist.ts";
import type { Tenant } from "../../platform/platform-store.ts";
import type { Scope } from "../../platform/token-authority.ts";
import type { AppContext } from "../app-context.ts";
import { requireAdmin, type KilnEnv } from "../authenticate.ts";
import { parseJsonObject } from "../run-request.ts";

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
const TENANT_SCOPES: Scope[] = ["run", "deploy", "logs"];

/** Admin routes: create tenants and issue their tokens. */
export function tenantRoutes(ctx: AppContext): Hono<KilnEnv> {
  const { config, platform } = ctx;
  const app = new Hono<KilnEnv>();

  const issue = async (tenantId: string, body: Record<string, unknown>) => {
    const scopes = body.scopes ?? TENANT_SCOPES;
    if (!Array.isArray(scopes) || !scopes.every((s) => TENANT_SCOPES.includes(s))) {
      throw new RequestError("invalid_request", `'scopes' must be a list of ${TENANT_SCOPES.join(", ")}`);
    }
    const ttl = body.ttlSeconds ?? config.tokenTtlSeconds;
    if (typeof ttl !== "number" || !Number.isSafeInteger(ttl) || ttl < 60) throw new RequestError("invalid_request", "'ttlSeconds' must be an integer of at least 60");
    return platform.authority.issue(tenantId, { scopes: scopes as Scope[], ttlSeconds: ttl });
  };

  app.post("/tenants", async (c) => {
    requireAdmin(c);
    const body = parseJsonObject(await c.req.text());
    if (typeof body.name !== "string" || !NAME.test(body.name)) throw new RequestError("invalid_request", "'name' must be 1-64 letters, digits, _ or -");
    const grants = (body.grants ?? {}) as { http?: { allow?: unknown }; kv?: { maxKeys?: unknown } };
    const allow = grants.http?.allow ?? [];
    if (!Array.isArray(allow) || !allow.every((p) => typeof p === "string" && parseHostPattern(p))) {
      throw new RequestError("invalid_request", "'grants.http.allow' must be a list of host patterns");
    }
    const maxKeys = grants.kv?.maxKeys ?? config.hostLimits.kvMaxKeys;
    if (typeof maxKeys !== "number" || !Number.isSafeInteger(maxKeys) || maxKeys < 0) throw new RequestError("invalid_request", "'grants.kv.maxKeys' must be a non-negative integer");
    if (await platform.store.findTenantByName(body.name)) throw new RequestError("conflict", `A tenant named '${body.name}' exists`);
    const tenant: Tenant = { id: crypto.randomUUID(), name: body.name, grants: { httpAllow: allow as string[], kvMaxKeys: maxKeys }, createdAt: Date.now() };
    await platform.store.createTenant(tenant);
    return c.json({ tenant, token: await issue(tenant.id, body) }, 201);
  });

  app.post("/tenants/:id/tokens", async (c) => {
    requireAdmin(c);
    const tenant = await platform.store.getTenant(c.req.param("id"));
    if (!tenant) throw new RequestError("not_found", "No such tenant");
    return c.json({ token: await issue(tenant.id, parseJsonObject((await c.req.text()) || "{}")) }, 201);
  });
  return app;
}
