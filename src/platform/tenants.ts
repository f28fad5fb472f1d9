import { decodeJwt } from "jose";
import type { Config } from "../config.ts";
import { RequestError } from "../errors.ts";
import { parseHostPattern } from "../net/host-allowlist.ts";
import type { Platform } from "./platform.ts";
import type { Tenant, TenantGrants, TenantQuotas } from "./platform-store.ts";
import type { Scope } from "./token-authority.ts";

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
/** The scopes a tenant's tokens may carry (`admin` is never a tenant's). */
export const TENANT_SCOPES = ["run", "deploy", "logs"] as const satisfies readonly Scope[];

/** A tenant's grants as the API takes and returns them: `{http: {allow}, kv: {maxKeys}}`. */
export interface GrantsBody {
  http: { allow: string[] };
  kv: { maxKeys: number };
}

/** A tenant as the API returns it. */
export interface TenantBody {
  id: string;
  name: string;
  grants: GrantsBody;
  scopes: Scope[];
  /** Its own quotas, as set; an absent one is the server's. */
  quotas: TenantQuotas;
  createdAt: string;
}

/** What may change about a tenant: its grants (each part given replaces that part), its scopes and its quotas. */
export interface TenantChanges {
  grants?: { http?: { allow: string[] }; kv?: { maxKeys: number } };
  scopes?: Scope[];
  /** Replaces its quotas: `{}` goes back to the server's. */
  quotas?: TenantQuotas;
}

/** A new tenant: its name, grants and scopes, and its first token's lifetime. */
export interface NewTenant extends TenantChanges {
  name: string;
  ttlSeconds?: number;
}

/** A token for a tenant: some of its scopes (default all of them) for `ttlSeconds` (default `KILN_TOKEN_TTL_SECONDS`). */
export interface TokenRequest {
  scopes?: Scope[];
  ttlSeconds?: number;
}

export interface IssuedToken {
  token: string;
  scopes: Scope[];
  expiresAt: string;
}

/** The scopes a tenant's tokens may use: its own, or every tenant scope for a tenant from before tenants had scopes. */
export function tenantScopes(tenant: Tenant): Scope[] {
  return tenant.scopes ?? [...TENANT_SCOPES];
}

export function describeTenant(tenant: Tenant): TenantBody {
  return {
    id: tenant.id,
    name: tenant.name,
    grants: { http: { allow: [...tenant.grants.httpAllow] }, kv: { maxKeys: tenant.grants.kvMaxKeys } },
    scopes: tenantScopes(tenant),
    quotas: { ...tenant.quotas },
    createdAt: new Date(tenant.createdAt).toISOString(),
  };
}

/** A tenant by its id or its name, or a 404. */
export async function findTenant(platform: Platform, ref: string): Promise<Tenant> {
  const tenant = (await platform.store.getTenant(ref)) ?? (await platform.store.findTenantByName(ref));
  if (!tenant) throw new RequestError("not_found", `No tenant with the id or name '${ref}'`);
  return tenant;
}

/** Issues a token for a tenant with some of its scopes, for at most `KILN_TOKEN_MAX_TTL_SECONDS`. */
export async function issueTenantToken(platform: Platform, config: Config, tenant: Tenant, request: TokenRequest): Promise<IssuedToken> {
  const allowed = tenantScopes(tenant);
  const scopes = checkScopes(request.scopes ?? allowed, "scopes");
  const denied = scopes.filter((s) => !allowed.includes(s));
  if (denied.length) throw new RequestError("invalid_request", `scopes: the tenant '${tenant.name}' does not have the scope '${denied[0]}' (it has ${allowed.join(", ")})`);
  const ttl = request.ttlSeconds ?? config.tokenTtlSeconds;
  checkTtl(config, ttl);
  const token = await platform.authority.issue(tenant.id, { scopes, ttlSeconds: ttl });
  return { token, scopes, expiresAt: new Date(decodeJwt(token).exp! * 1000).toISOString() };
}

/** Creates a tenant and its first token (with the tenant's scopes). Names are unique. */
export async function createTenant(platform: Platform, config: Config, request: NewTenant): Promise<{ tenant: TenantBody; token: string; expiresAt: string }> {
  const { name } = request;
  if (typeof name !== "string" || !NAME.test(name)) throw new RequestError("invalid_request", "name: must be 1-64 letters, digits, _ or -");
  const tenant: Tenant = {
    id: crypto.randomUUID(),
    name,
    grants: changedGrants({ httpAllow: [], kvMaxKeys: config.hostLimits.kvMaxKeys }, request.grants),
    scopes: checkScopes(request.scopes ?? [...TENANT_SCOPES], "scopes"),
    ...(request.quotas && { quotas: checkQuotas(request.quotas) }),
    createdAt: Date.now(),
  };
  // The token's lifetime is checked before anything is stored.
  if (request.ttlSeconds !== undefined) checkTtl(config, request.ttlSeconds);
  if (await platform.store.findTenantByName(name)) throw new RequestError("conflict", `A tenant named '${name}' exists`);
  await platform.store.createTenant(tenant);
  const { token, expiresAt } = await issueTenantToken(platform, config, tenant, { ttlSeconds: request.ttlSeconds });
  return { tenant: describeTenant(tenant), token, expiresAt };
}

/** Changes a tenant's grants and scopes. Narrower grants apply to its deployed scripts at their next invocation, narrower scopes to its tokens at their next request. */
export async function updateTenant(platform: Platform, tenant: Tenant, changes: TenantChanges): Promise<Tenant> {
  const updated: Tenant = {
    ...tenant,
    grants: changedGrants(tenant.grants, changes.grants),
    scopes: changes.scopes ? checkScopes(changes.scopes, "scopes") : tenantScopes(tenant),
    quotas: changes.quotas ? checkQuotas(changes.quotas) : tenant.quotas,
  };
  if (!(await platform.store.updateTenant(updated))) throw new RequestError("not_found", `No tenant with the id '${tenant.id}'`);
  return updated;
}

/** Deletes a tenant with everything it owns; its tokens stop working at once (401). */
export async function deleteTenant(platform: Platform, tenant: Tenant): Promise<void> {
  if (!(await platform.store.deleteTenant(tenant.id))) throw new RequestError("not_found", `No tenant with the id '${tenant.id}'`);
}

/** The grants with the given parts replaced, each checked. */
function changedGrants(current: TenantGrants, changes: TenantChanges["grants"]): TenantGrants {
  const allow = changes?.http?.allow ?? current.httpAllow;
  if (!Array.isArray(allow)) throw new RequestError("invalid_request", "grants.http.allow: must be a list of host patterns");
  allow.forEach((pattern, i) => {
    if (typeof pattern !== "string" || !parseHostPattern(pattern)) {
      throw new RequestError("invalid_request", `grants.http.allow[${i}]: ${JSON.stringify(pattern)} is not a host pattern (host, *.domain, host:port or *)`);
    }
  });
  const maxKeys = changes?.kv?.maxKeys ?? current.kvMaxKeys;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 0) throw new RequestError("invalid_request", "grants.kv.maxKeys: must be a non-negative integer");
  return { httpAllow: [...allow], kvMaxKeys: maxKeys };
}

/** At least one scope, each a tenant scope, each once. */
function checkScopes(scopes: unknown, field: string): Scope[] {
  if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => (TENANT_SCOPES as readonly unknown[]).includes(s))) {
    throw new RequestError("invalid_request", `${field}: must be a non-empty list of ${TENANT_SCOPES.join(", ")}`);
  }
  return [...new Set(scopes as Scope[])];
}

/** Each quota given, checked: the rates and budgets positive integers, the run history's count a non-negative one (0: keep none), its days at least 1. */
function checkQuotas(quotas: TenantQuotas): TenantQuotas {
  const checked: TenantQuotas = {};
  const least = { runsPerMinute: 1, fuelPerMinute: 1, fuelPerDay: 1, runHistoryMax: 0, runHistoryDays: 1 } as const;
  for (const [name, min] of Object.entries(least) as [keyof TenantQuotas, number][]) {
    const value = quotas[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < min) throw new RequestError("invalid_request", `quotas.${name}: must be ${min ? "a positive" : "a non-negative"} integer`);
    checked[name] = value;
  }
  return checked;
}

function checkTtl(config: Config, ttl: number): void {
  if (!Number.isSafeInteger(ttl) || ttl < 60 || ttl > config.tokenMaxTtlSeconds) {
    throw new RequestError("invalid_request", `ttlSeconds: must be an integer from 60 to ${config.tokenMaxTtlSeconds} (KILN_TOKEN_MAX_TTL_SECONDS)`);
  }
}
