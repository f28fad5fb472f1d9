import type { Redis } from "ioredis";
import { RequestError } from "../../../errors.ts";
import { fromBase64, toBase64 } from "../../../platform/base64.ts";
import type { ComponentRecord, PlatformStore, ScriptSpec, ScriptSummary, ScriptVersion, Tenant } from "../../../platform/platform-store.ts";
import { viaRedis } from "./redis-connection.ts";

type Stored = ScriptSpec & { createdAt: number };

/** Appends a version and makes it live in one step: RPUSH's new length is the version number. */
const DEPLOY = `local n = redis.call('RPUSH', KEYS[1], ARGV[1]) redis.call('HSET', KEYS[2], ARGV[2], n) return n`;
/** Frees a tenant's name only if it still names that tenant. */
const DELETE_NAME = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const ACTIVATE = `local v = tonumber(ARGV[2]) if v < 1 or v > redis.call('LLEN', KEYS[1]) then return 0 end redis.call('HSET', KEYS[2], ARGV[1], v) return 1`;

/**
 * The `PlatformStore` for several nodes, in Redis: tenants as JSON under `kiln:t:<id>` (names unique
 * through `kiln:tn:<name>`), sealed secrets in a hash per tenant, each script's versions in a list
 * (index + 1 = version), the live version per script in a hash per tenant, and components in a hash
 * per tenant. Listing tenants and deleting one (with its kv keys) scan the key space: admin operations.
 */
export class RedisPlatformStore implements PlatformStore {
  constructor(readonly redis: Redis) {}

  #version(name: string, index: number, json: string | null): ScriptVersion | undefined {
    return json ? { ...(JSON.parse(json) as Stored), name, version: index + 1 } : undefined;
  }

  createTenant(t: Tenant) {
    return viaRedis(async () => {
      if (!(await this.redis.set(`kiln:tn:${t.name}`, t.id, "NX"))) throw new RequestError("conflict", `A tenant named '${t.name}' exists`);
      await this.redis.set(`kiln:t:${t.id}`, JSON.stringify(t));
    });
  }
  getTenant(id: string) {
    return viaRedis(async () => {
      const json = await this.redis.get(`kiln:t:${id}`);
      return json ? (JSON.parse(json) as Tenant) : undefined;
    });
  }
  findTenantByName(name: string) {
    return viaRedis(async () => {
      const id = await this.redis.get(`kiln:tn:${name}`);
      return id ? this.getTenant(id) : undefined;
    });
  }
  listTenants() {
    return viaRedis(async () => {
      const keys = await this.#scan("kiln:t:*");
      const found = keys.length ? await this.redis.mget(keys) : [];
      return found.filter((json): json is string => json !== null).map((json) => JSON.parse(json) as Tenant).sort((a, b) => a.name.localeCompare(b.name));
    });
  }
  updateTenant(t: Tenant) {
    return viaRedis(async () => {
      const stored = await this.getTenant(t.id);
      if (!stored) return false;
      const { id, name, createdAt } = stored;
      const next: Tenant = { id, name, grants: t.grants, ...(t.scopes && { scopes: t.scopes }), ...(t.quotas && { quotas: t.quotas }), createdAt };
      return (await this.redis.set(`kiln:t:${id}`, JSON.stringify(next), "XX")) === "OK";
    });
  }
  deleteTenant(id: string) {
    return viaRedis(async () => {
      const tenant = await this.getTenant(id);
      if (!tenant) return false;
      const scripts = Object.keys(await this.redis.hgetall(`kiln:a:${id}`));
      // Its kv namespaces are `<id>/<name>`, each in three keys (values, index, expiries).
      const kv = await this.#scan(`kiln:kv*:${id}/*`);
      const owned = [`kiln:t:${id}`, `kiln:s:${id}`, `kiln:c:${id}`, `kiln:a:${id}`, ...scripts.map((name) => `kiln:v:${id}:${name}`), ...kv];
      await this.redis.multi().del(...owned).eval(DELETE_NAME, 1, `kiln:tn:${tenant.name}`, id).exec();
      return true;
    });
  }
  /** Every key matching `pattern`, without blocking Redis (SCAN). */
  async #scan(pattern: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await this.redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== "0");
    return [...new Set(keys)];
  }

  putSecret(tenantId: string, name: string, sealed: string) {
    return viaRedis(async () => void (await this.redis.hset(`kiln:s:${tenantId}`, name, sealed)));
  }
  deleteSecret(tenantId: string, name: string) {
    return viaRedis(async () => (await this.redis.hdel(`kiln:s:${tenantId}`, name)) > 0);
  }
  getSecrets(tenantId: string) {
    return viaRedis(() => this.redis.hgetall(`kiln:s:${tenantId}`));
  }

  deployScript(tenantId: string, name: string, spec: ScriptSpec) {
    return viaRedis(async () => {
      const stored: Stored = { ...spec, createdAt: Date.now() };
      const version = (await this.redis.eval(DEPLOY, 2, `kiln:v:${tenantId}:${name}`, `kiln:a:${tenantId}`, JSON.stringify(stored), name)) as number;
      return { ...stored, name, version };
    });
  }
  getActiveScript(tenantId: string, name: string) {
    return viaRedis(async () => {
      const active = Number(await this.redis.hget(`kiln:a:${tenantId}`, name));
      if (!active) return undefined;
      return this.#version(name, active - 1, await this.redis.lindex(`kiln:v:${tenantId}:${name}`, active - 1));
    });
  }
  getScriptVersion(tenantId: string, name: string, version: number) {
    return viaRedis(async () => {
      if (!(await this.redis.hexists(`kiln:a:${tenantId}`, name)) || version < 1) return undefined;
      return this.#version(name, version - 1, await this.redis.lindex(`kiln:v:${tenantId}:${name}`, version - 1));
    });
  }
  listScripts(tenantId: string) {
    return viaRedis(async () => {
      const active = await this.redis.hgetall(`kiln:a:${tenantId}`);
      const out: ScriptSummary[] = [];
      for (const [name, v] of Object.entries(active).sort(([a], [b]) => a.localeCompare(b))) {
        const versions = await this.redis.lrange(`kiln:v:${tenantId}:${name}`, 0, -1);
        const live = JSON.parse(versions[Number(v) - 1]!) as Stored;
        const latest = JSON.parse(versions[versions.length - 1]!) as Stored;
        out.push({ name, activeVersion: Number(v), latestVersion: versions.length, language: live.language, updatedAt: latest.createdAt });
      }
      return out;
    });
  }
  listVersions(tenantId: string, name: string) {
    return viaRedis(async () => {
      if (!(await this.redis.hexists(`kiln:a:${tenantId}`, name))) return [];
      const versions = await this.redis.lrange(`kiln:v:${tenantId}:${name}`, 0, -1);
      return versions.map((json, i) => this.#version(name, i, json)!);
    });
  }
  activateVersion(tenantId: string, name: string, version: number) {
    return viaRedis(async () => {
      if (!(await this.redis.hexists(`kiln:a:${tenantId}`, name))) return false;
      return (await this.redis.eval(ACTIVATE, 2, `kiln:v:${tenantId}:${name}`, `kiln:a:${tenantId}`, name, version)) === 1;
    });
  }
  deleteScript(tenantId: string, name: string) {
    return viaRedis(async () => {
      const [[, removed]] = (await this.redis.multi().hdel(`kiln:a:${tenantId}`, name).del(`kiln:v:${tenantId}:${name}`).exec()) as [[unknown, number]];
      return removed > 0;
    });
  }

  putComponent(tenantId: string, record: ComponentRecord, bytes: Uint8Array) {
    return viaRedis(async () => void (await this.redis.hsetnx(`kiln:c:${tenantId}`, record.id, JSON.stringify({ record, bytes: toBase64(bytes) }))));
  }
  getComponent(tenantId: string, id: string) {
    return viaRedis(async () => {
      const raw = await this.redis.hget(`kiln:c:${tenantId}`, id);
      if (raw === null) return undefined;
      const { record, bytes } = JSON.parse(raw) as { record: ComponentRecord; bytes: string };
      return { record, bytes: fromBase64(bytes) };
    });
  }
  listComponents(tenantId: string) {
    return viaRedis(async () =>
      Object.values(await this.redis.hgetall(`kiln:c:${tenantId}`))
        .map((raw) => (JSON.parse(raw) as { record: ComponentRecord }).record)
        .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)),
    );
  }
  deleteComponent(tenantId: string, id: string) {
    return viaRedis(async () => (await this.redis.hdel(`kiln:c:${tenantId}`, id)) > 0);
  }

  getMeta(key: string) {
    return viaRedis(async () => (await this.redis.hget("kiln:meta", key)) ?? undefined);
  }
  setMetaIfAbsent(key: string, value: string) {
    return viaRedis(async () => {
      await this.redis.hsetnx("kiln:meta", key, value);
      return (await this.redis.hget("kiln:meta", key))!;
    });
  }

  dispose(): void {}
  [Symbol.dispose](): void {}
}
