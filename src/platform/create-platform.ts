import type { Config } from "../config.ts";
import { MemoryLogBus, type LogBus } from "./log-bus.ts";
import { resolveKeys, randomKey, type Platform } from "./platform.ts";
import type { PlatformStore, Tenant } from "./platform-store.ts";
import { MemoryCounterStore, RunGuard, type CounterStore } from "./run-guard.ts";
import { SecretBox } from "./secret-box.ts";
import { tenantScopes } from "./tenants.ts";
import { TokenAuthority } from "./token-authority.ts";

/**
 * Assembles the platform from a store (and, for several nodes, a shared log bus and counters).
 * In dev mode without `KILN_ADMIN_TOKEN`, an admin token is generated once and kept in the store.
 */
export async function createPlatform(options: { config: Config; store: PlatformStore; logs?: LogBus; counters?: CounterStore }): Promise<Platform> {
  const { config, store } = options;
  const keys = await resolveKeys(config, store);
  const adminToken = keys.adminToken ?? (await store.setMetaIfAbsent("dev-admin-token", `kiln_admin_${randomKey()}`));
  return {
    store,
    authority: new TokenAuthority({ key: keys.jwtKey, adminToken }),
    secretBox: new SecretBox(keys.secretKey),
    logs: options.logs ?? new MemoryLogBus(),
    guard: new RunGuard(options.counters ?? new MemoryCounterStore(), config.rate),
  };
}

/**
 * Dev mode's first-start help: the admin token (generated unless configured) and a token for a
 * tenant named `dev`, created if missing. The dev tenant is granted what the server allows
 * (`KILN_GRANTS`' http hosts, the server's kv quota), set again at every start, so the quick start's
 * token can use every capability the server offers. Production prints nothing.
 */
export async function devBootstrap(platform: Platform, config: Config): Promise<{ adminToken: string; tenantToken: string } | undefined> {
  if (config.mode === "production") return undefined;
  const adminToken = config.adminToken ?? (await platform.store.getMeta("dev-admin-token"))!;
  const grants = { httpAllow: [...config.grants.http.allow], kvMaxKeys: config.hostLimits.kvMaxKeys };
  let tenant = await platform.store.findTenantByName("dev");
  if (!tenant) {
    const created = { id: crypto.randomUUID(), name: "dev", grants, createdAt: Date.now() } satisfies Tenant;
    try {
      await platform.store.createTenant(created);
      tenant = created;
    } catch (e) {
      // Another node sharing the store (Redis) created it in the meantime: use that one.
      tenant = await platform.store.findTenantByName("dev");
      if (!tenant) throw e;
    }
  }
  if (JSON.stringify(tenant.grants) !== JSON.stringify(grants)) {
    tenant = { ...tenant, grants };
    await platform.store.updateTenant(tenant);
  }
  const scopes = tenantScopes(tenant);
  const tenantToken = await platform.authority.issue(tenant.id, { scopes, ttlSeconds: config.tokenTtlSeconds });
  return { adminToken, tenantToken };
}
