import type { BodyReader } from "./body-limit.ts";
import type { Context, MiddlewareHandler } from "hono";
import { RequestError } from "../errors.ts";
import type { Platform } from "../platform/platform.ts";
import type { Tenant } from "../platform/platform-store.ts";
import { tenantScopes } from "../platform/tenants.ts";
import type { Principal, Scope } from "../platform/token-authority.ts";

/** Hono's typing for Kiln's routes: every /v1 request carries a verified principal. */
export interface KilnEnv {
  /** `requestId`: the request's id (the app's first middleware sets it; see src/http/request-log.ts). */
  Variables: { principal: Principal; requestId: string };
  /** What the adapter passes beside the request (src/http/body-limit.ts). */
  Bindings: BodyReader | undefined;
}

/** Verifies the bearer token of every request it guards. */
export function authenticate(platform: Platform): MiddlewareHandler<KilnEnv> {
  return async (c, next) => {
    c.set("principal", await platform.authority.verify(c.req.header("authorization")));
    await next();
  };
}

/** The admin, or a 403. */
export function requireAdmin(c: Context<KilnEnv>): void {
  if (c.get("principal").kind !== "admin") throw new RequestError("forbidden", "This route needs the admin token");
}

/** The calling tenant, when its token carries `scope`; otherwise a 403 (or 401 for a deleted tenant). */
export async function requireTenant(c: Context<KilnEnv>, platform: Platform, scope: Scope): Promise<Tenant> {
  const principal = c.get("principal");
  if (principal.kind !== "tenant") throw new RequestError("forbidden", "This route needs a tenant token");
  if (!principal.scopes.includes(scope)) throw new RequestError("forbidden", `The token lacks the '${scope}' scope`);
  const tenant = await platform.store.getTenant(principal.tenantId);
  if (!tenant) throw new RequestError("unauthorized", "The token's tenant does not exist");
  if (!tenantScopes(tenant).includes(scope)) throw new RequestError("forbidden", `The tenant no longer has the '${scope}' scope`);
  return tenant;
}
