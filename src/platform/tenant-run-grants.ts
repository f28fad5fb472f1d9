import type { Config } from "../config.ts";
import { RequestError } from "../errors.ts";
import { resolveGrants, type MissingSecrets, type RequestedGrants, type RunGrants } from "../capabilities/grants.ts";
import { parseHostPattern, patternCovers } from "../net/host-allowlist.ts";
import type { HostLimits } from "../capabilities/capability-limits.ts";
import type { Platform } from "./platform.ts";
import type { Tenant } from "./platform-store.ts";

/**
 * A run's grants for a tenant: what it asks for, capped by the server (KILN_GRANTS) and by the
 * tenant's own grants. Secrets come from the server's and the tenant's (the tenant's win); only the
 * requested ones are decrypted. KV namespaces are prefixed with the tenant id, so no namespace name
 * reaches another tenant's keys.
 *
 * A requested secret that exists nowhere (neither the server's nor the tenant's; another tenant's
 * look the same) is a 404 `not_found` by default, for a new run or a deploy. An invocation of a
 * deployed script passes `missingSecrets: "absent"`: a secret deleted since the deploy leaves the
 * grant standing and `secrets.get` answers null.
 */
export async function tenantRunGrants(
  requested: RequestedGrants,
  options: { config: Config; platform: Platform; tenant: Tenant; missingSecrets?: MissingSecrets },
): Promise<{ grants: RunGrants; limits: HostLimits }> {
  const { config, platform, tenant, missingSecrets } = options;
  // Most runs ask for no secret: only then is the store read and anything decrypted.
  const sealed = requested.secrets?.length ? await platform.store.getSecrets(tenant.id) : {};
  const wanted = (requested.secrets ?? []).filter((name) => Object.hasOwn(sealed, name));
  const opened = Object.fromEntries(await Promise.all(wanted.map(async (name) => [name, await platform.secretBox.open(sealed[name]!)])));
  const grants = resolveGrants(requested, { ...config.grants, secrets: { ...config.grants.secrets, ...opened } }, { missingSecrets });
  const tenantPatterns = tenant.grants.httpAllow.map(parseHostPattern).filter((p) => p !== undefined);
  for (const entry of grants.http?.allow ?? []) {
    if (!tenantPatterns.some((p) => patternCovers(p, parseHostPattern(entry)!))) {
      throw new RequestError("grant_denied", `The tenant is not granted http access to '${entry}'`);
    }
  }
  if (grants.kv) grants.kv = { namespace: `${tenant.id}/${grants.kv.namespace}` };
  return { grants, limits: { ...config.hostLimits, kvMaxKeys: Math.min(config.hostLimits.kvMaxKeys, tenant.grants.kvMaxKeys) } };
}
