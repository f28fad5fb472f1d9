import type { Config } from "../config.ts";
import { MemoryLogBus, type LogBus } from "./log-bus.ts";
import { resolveKeys, randomKey, type Platform } from "./platform.ts";
import type { PlatformStore, Tenant } from "./platform-store.ts";
import { MemoryCounterStore, RunGuard, type CounterStore } from "./run-guard.ts";
import { SecretBox } from "./secret-box.ts";
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
 * tenant named `dev`, created if missing. Production prints nothing.
 */
export async function devBootstrap(platform: Platform, config: Config): Promise<{ adminToken: string; tenantToken: string } | undefined> {
  if (config.mode === "production") return undefined;
  const adminToken = config.adminToken ?? (await platform.store.getMeta("dev-admin-token"))!;
  let tenant = await platform.store.findTenantByName("dev");
  if (!tenant) {
    const created = { id: crypto.randomUUID(), name: "dev", grants: { httpAllow: [], kvMaxKeys: config.hostLimits.kvMaxKeys }, createdAt: Date.now() } satisfies Tenant;
    try {
      await platform.store.createTenant(created);
      tenant = created;
    } catch (e) {
      // Another node sharing the store (Redis) created it in the meantime: use that one.
      tenant = await platform.store.findTenantByName("dev");
      if (!tenant) throw e;
    }
  }
  const tenantToken = await platform.authority.issue(tenant.id, { scopes: ["run", "deploy", "logs"], ttlSeconds: config.tokenTtlSeconds });
  return { adminToken, tenantToken };
}
