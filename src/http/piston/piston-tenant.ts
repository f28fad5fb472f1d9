import type { Context } from "hono";
import type { Config } from "../../config.ts";
import { RequestError } from "../../errors.ts";
import type { Platform } from "../../platform/platform.ts";
import type { Tenant } from "../../platform/platform-store.ts";
import { tenantScopes } from "../../platform/tenants.ts";
import { requireTenant, type KilnEnv } from "../authenticate.ts";

/**
 * The tenant a Piston request runs for, with the `run` scope checked as on `POST /v1/run`. Piston's
 * clients cannot send headers, so the token may sit in the path (`/piston/<token>/api/v2/…`); a
 * client that can send one may use `Authorization: Bearer` on `/api/v2/…` instead. Without either,
 * the server's public tenant (`KILN_PUBLIC_TENANT`, by name) serves the request, with that tenant's
 * own rate limit (its `quotas.runsPerMinute`); without one, the request is a 401.
 */
export async function pistonTenant(c: Context<KilnEnv>, deps: { config: Config; platform: Platform }, pathToken: string | undefined): Promise<Tenant> {
  const { config, platform } = deps;
  const header = c.req.header("authorization");
  if (pathToken !== undefined || header !== undefined) {
    c.set("principal", await platform.authority.verify(pathToken !== undefined ? `Bearer ${pathToken}` : header));
    return requireTenant(c, platform, "run");
  }
  if (config.publicTenant === undefined) {
    throw new RequestError("unauthorized", "A tenant token is required: put it in the path, /piston/<token>/api/v2/… (Piston's clients cannot send headers), or send Authorization: Bearer <token>");
  }
  const tenant = await platform.store.findTenantByName(config.publicTenant);
  if (!tenant) throw new RequestError("unavailable", `The public tenant '${config.publicTenant}' (KILN_PUBLIC_TENANT) does not exist; an admin creates it with POST /v1/tenants`, 30);
  if (!tenantScopes(tenant).includes("run")) throw new RequestError("forbidden", `The public tenant '${config.publicTenant}' does not have the 'run' scope`);
  return tenant;
}
