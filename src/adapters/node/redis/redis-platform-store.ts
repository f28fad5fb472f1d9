import type { Redis } from "ioredis";
import type { Recording } from "../../../platform/recording.ts";
import { RequestError } from "../../../errors.ts";
import { fromBase64, toBase64 } from "../../../platform/base64.ts";
import type { ComponentRecord, PlatformStore, ScriptSpec, ScriptSummary, ScriptVersion, Tenant } from "../../../platform/platform-store.ts";
import { runSummary, type RunListQuery, type RunRecord, type RunRetention, type RunSummary } from "../../../platform/run-history.ts";
import { viaRedis } from "./redis-connection.ts";

type Stored = ScriptSpec & { createdAt: number };

/** Appends a version and makes it live in one step: RPUSH's new length is the version number. */
const DEPLOY = `local n = redis.call('RPUSH', KEYS[1], ARGV[1]) redis.call('HSET', KEYS[2], ARGV[2], n) return n`;
/** Frees a tenant's name only if it still names that tenant. */
const DELETE_NAME = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/**
 * Stores a run and drops the tenant's runs past the retention, atomically. KEYS: order, summaries,
 * details. ARGV: member, id, summary, detail, the oldest member kept by age, the count kept. Members
 * sort by start time then id (`runMember`), so rank 0 is the oldest run.
 */
const PUT_RUN = `
redis.call('ZADD', KEYS[1], 0, ARGV[1]) redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) redis.call('HSET', KEYS[3], ARGV[2], ARGV[4])
local gone = redis.call('ZRANGEBYLEX', KEYS[1], '-', '(' .. ARGV[5])
local extra = redis.call('ZCARD', KEYS[1]) - #gone - tonumber(ARGV[6])
if extra > 0 then for _, m in ipairs(redis.call('ZRANGE', KEYS[1], #gone, #gone + extra - 1)) do gone[#gone + 1] = m end end
for _, m in ipairs(gone) do local id = string.sub(m, 17) redis.call('ZREM', KEYS[1], m) redis.call('HDEL', KEYS[2], id) redis.call('HDEL', KEYS[3], id) end
return #gone`;
/** Stores a recording (by run id, in a hash, ordered by time in a sorted set), then drops those past the retention's age and count. */
const PUT_RECORDING = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2]) redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
local extra = redis.call('ZCARD', KEYS[1]) - #gone - tonumber(ARGV[5])
if extra > 0 then for _, m in ipairs(redis.call('ZRANGE', KEYS[1], #gone, #gone + extra - 1)) do gone[#gone + 1] = m end end
for _, m in ipairs(gone) do redis.call('ZREM', KEYS[1], m) redis.call('HDEL', KEYS[2], m) end
return #gone`;
/** A run's member in its tenant's sorted set: its start time, 15 digits, then `:` and its id (so lexical order is start-then-id order). */
const runMember = (startedAt: number, id = "") => `${String(startedAt).padStart(15, "0")}:${id}`;
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
      const owned = [`kiln:t:${id}`, `kiln:s:${id}`, `kiln:c:${id}`, `kiln:a:${id}`, `kiln:ro:${id}`, `kiln:rs:${id}`, `kiln:rd:${id}`, `kiln:reco:${id}`, `kiln:rec:${id}`, ...scripts.map((name) => `kiln:v:${id}:${name}`), ...kv];
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

  putRun(record: RunRecord, retention: RunRetention) {
    return viaRedis(async () => {
      const { stdout, stderr, logs, result, error } = record;
      const t = record.tenantId;
      await this.redis.eval(
        PUT_RUN, 3, `kiln:ro:${t}`, `kiln:rs:${t}`, `kiln:rd:${t}`,
        runMember(record.startedAt, record.id), record.id, JSON.stringify(runSummary(record)), JSON.stringify({ stdout, stderr, logs, result, error }),
        runMember(Math.max(0, Date.now() - retention.maxAgeMs)), retention.maxRuns,
      );
    });
  }
  putRecording(tenantId: string, recording: Recording, retention: RunRetention) {
    return viaRedis(async () => {
      await this.redis.eval(PUT_RECORDING, 2, `kiln:reco:${tenantId}`, `kiln:rec:${tenantId}`, recording.recordedAt, recording.runId, JSON.stringify(recording), Date.now() - retention.maxAgeMs, retention.maxRuns);
    });
  }
  getRecording(tenantId: string, runId: string) {
    return viaRedis(async () => {
      const json = await this.redis.hget(`kiln:rec:${tenantId}`, runId);
      return json === null ? undefined : (JSON.parse(json) as Recording);
    });
  }
  getRun(tenantId: string, id: string, since: number) {
    return viaRedis(async () => {
      const [summary, detail] = await Promise.all([this.redis.hget(`kiln:rs:${tenantId}`, id), this.redis.hget(`kiln:rd:${tenantId}`, id)]);
      if (summary === null || detail === null) return undefined;
      const run = { ...JSON.parse(summary), ...JSON.parse(detail) } as RunRecord;
      return run.startedAt >= since ? run : undefined;
    });
  }
  listRuns(tenantId: string, q: RunListQuery) {
    return viaRedis(async () => {
      const out: RunSummary[] = [];
      const min = `[${runMember(q.since)}`;
      let max = q.after ? `(${runMember(q.after.startedAt, q.after.id)}` : "+";
      // Newest first, a batch at a time, until the page is full or the runs run out (filters skip some).
      while (out.length < q.limit) {
        const members = await this.redis.zrevrangebylex(`kiln:ro:${tenantId}`, max, min, "LIMIT", 0, Math.max(q.limit, 100));
        if (!members.length) break;
        const summaries = await this.redis.hmget(`kiln:rs:${tenantId}`, ...members.map((m) => m.slice(16)));
        for (const json of summaries) {
          if (json === null) continue;
          const run = JSON.parse(json) as RunSummary;
          if ((q.script === undefined || run.script === q.script) && (q.outcome === undefined || run.outcome === q.outcome)) out.push(run);
          if (out.length === q.limit) break;
        }
        max = `(${members[members.length - 1]}`;
      }
      return out;
    });
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
