import type { Config } from "../config.ts";
import { RequestError } from "../errors.ts";
import { parseHostPattern } from "../net/host-allowlist.ts";
import type { Platform } from "./platform.ts";
import type { Tenant } from "./platform-store.ts";
import type { Scope } from "./token-authority.ts";

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
export const TENANT_SCOPES: Scope[] = ["run", "deploy", "logs"];

/** Validated options for a new tenant or token, from a request body or the CLI. */
export interface TenantRequest {
  name?: unknown;
  grants?: { http?: { allow?: unknown }; kv?: { maxKeys?: unknown } };
  scopes?: unknown;
  ttlSeconds?: unknown;
}

/** Issues a token for a tenant with the requested scopes (default run, deploy, logs) and lifetime. */
export function issueTenantToken(platform: Platform, config: Config, tenantId: string, request: TenantRequest): Promise<string> {
  const scopes = request.scopes ?? TENANT_SCOPES;
  if (!Array.isArray(scopes) || !scopes.every((s) => TENANT_SCOPES.includes(s))) {
    throw new RequestError("invalid_request", `'scopes' must be a list of ${TENANT_SCOPES.join(", ")}`);
  }
  const ttl = request.ttlSeconds ?? config.tokenTtlSeconds;
  if (typeof ttl !== "number" || !Number.isSafeInteger(ttl) || ttl < 60) throw new RequestError("invalid_request", "'ttlSeconds' must be an integer of at least 60");
  return platform.authority.issue(tenantId, { scopes: scopes as Scope[], ttlSeconds: ttl });
}

/** Creates a tenant and its first token. Names are unique. */
export async function createTenant(platform: Platform, config: Config, request: TenantRequest): Promise<{ tenant: Tenant; token: string }> {
  const { name } = request;
  if (typeof name !== "string" || !NAME.test(name)) throw new RequestError("invalid_request", "'name' must be 1-64 letters, digits, _ or -");
  const allow = request.grants?.http?.allow ?? [];
  if (!Array.isArray(allow) || !allow.every((p) => typeof p === "string" && parseHostPattern(p))) {
    throw new RequestError("invalid_request", "'grants.http.allow' must be a list of host patterns");
  }
  const maxKeys = request.grants?.kv?.maxKeys ?? config.hostLimits.kvMaxKeys;
  if (typeof maxKeys !== "number" || !Number.isSafeInteger(maxKeys) || maxKeys < 0) throw new RequestError("invalid_request", "'grants.kv.maxKeys' must be a non-negative integer");
  if (await platform.store.findTenantByName(name)) throw new RequestError("conflict", `A tenant named '${name}' exists`);
  const tenant: Tenant = { id: crypto.randomUUID(), name, grants: { httpAllow: allow as string[], kvMaxKeys: maxKeys }, createdAt: Date.now() };
  await platform.store.createTenant(tenant);
  return { tenant, token: await issueTenantToken(platform, config, tenant.id, request) };
}
