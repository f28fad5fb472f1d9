import { RequestError } from "../errors.ts";
import type { ComponentRecord, PlatformStore, ScriptSpec, ScriptSummary, ScriptVersion, Tenant } from "./platform-store.ts";
import type { Recording } from "./recording.ts";
import { matchesQuery, newestFirst, runSummary, type RunListQuery, type RunRecord, type RunRetention } from "./run-history.ts";

interface Script {
  versions: ScriptVersion[];
  active: number;
}

/** A `PlatformStore` in memory: nothing survives the process. */
export class MemoryPlatformStore implements PlatformStore {
  readonly #tenants = new Map<string, Tenant>();
  readonly #secrets = new Map<string, Map<string, string>>();
  readonly #scripts = new Map<string, Map<string, Script>>();
  readonly #meta = new Map<string, string>();
  readonly #components = new Map<string, { record: ComponentRecord; bytes: Uint8Array }>();
  /** Each tenant's runs, newest first. */
  readonly #runs = new Map<string, RunRecord[]>();
  /** Each tenant's recordings by run id, oldest first. */
  readonly #recordings = new Map<string, Map<string, Recording>>();

  async createTenant(tenant: Tenant) {
    // Names are unique, as in the SQLite and Redis stores.
    if ([...this.#tenants.values()].some((t) => t.name === tenant.name)) throw new RequestError("conflict", `A tenant named '${tenant.name}' exists`);
    this.#tenants.set(tenant.id, structuredClone(tenant));
  }
  async getTenant(id: string) {
    return structuredClone(this.#tenants.get(id));
  }
  async findTenantByName(name: string) {
    return structuredClone([...this.#tenants.values()].find((t) => t.name === name));
  }
  async listTenants() {
    return structuredClone([...this.#tenants.values()].sort((a, b) => a.name.localeCompare(b.name)));
  }
  async updateTenant(tenant: Tenant) {
    const stored = this.#tenants.get(tenant.id);
    if (!stored) return false;
    const { id, name, createdAt } = stored;
    const { grants, scopes, quotas } = structuredClone(tenant);
    this.#tenants.set(id, { id, name, grants, ...(scopes && { scopes }), ...(quotas && { quotas }), createdAt });
    return true;
  }
  async deleteTenant(id: string) {
    if (!this.#tenants.delete(id)) return false;
    this.#secrets.delete(id);
    this.#scripts.delete(id);
    this.#runs.delete(id);
    this.#recordings.delete(id);
    for (const key of this.#components.keys()) if (key.startsWith(`${id}/`)) this.#components.delete(key);
    return true;
  }

  async putSecret(tenantId: string, name: string, sealed: string) {
    const secrets = this.#secrets.get(tenantId) ?? new Map<string, string>();
    secrets.set(name, sealed);
    this.#secrets.set(tenantId, secrets);
  }
  async deleteSecret(tenantId: string, name: string) {
    return this.#secrets.get(tenantId)?.delete(name) ?? false;
  }
  async getSecrets(tenantId: string) {
    return Object.fromEntries(this.#secrets.get(tenantId) ?? []);
  }

  async deployScript(tenantId: string, name: string, spec: ScriptSpec): Promise<ScriptVersion> {
    const scripts = this.#scripts.get(tenantId) ?? new Map<string, Script>();
    const script = scripts.get(name) ?? { versions: [], active: 0 };
    const version: ScriptVersion = { ...structuredClone(spec), name, version: script.versions.length + 1, createdAt: Date.now() };
    script.versions.push(version);
    script.active = version.version;
    scripts.set(name, script);
    this.#scripts.set(tenantId, scripts);
    return structuredClone(version);
  }
  async getActiveScript(tenantId: string, name: string) {
    const script = this.#scripts.get(tenantId)?.get(name);
    return script && structuredClone(script.versions[script.active - 1]);
  }
  async getScriptVersion(tenantId: string, name: string, version: number) {
    return structuredClone(this.#scripts.get(tenantId)?.get(name)?.versions[version - 1]);
  }
  async listScripts(tenantId: string): Promise<ScriptSummary[]> {
    return [...(this.#scripts.get(tenantId) ?? [])]
      .map(([name, s]) => {
        const active = s.versions[s.active - 1]!;
        const latest = s.versions[s.versions.length - 1]!;
        return { name, activeVersion: s.active, latestVersion: latest.version, language: active.language, updatedAt: latest.createdAt };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }
  async listVersions(tenantId: string, name: string) {
    return structuredClone(this.#scripts.get(tenantId)?.get(name)?.versions ?? []);
  }
  async activateVersion(tenantId: string, name: string, version: number) {
    const script = this.#scripts.get(tenantId)?.get(name);
    if (!script || !script.versions[version - 1]) return false;
    script.active = version;
    return true;
  }
  async deleteScript(tenantId: string, name: string) {
    return this.#scripts.get(tenantId)?.delete(name) ?? false;
  }

  async putComponent(tenantId: string, record: ComponentRecord, bytes: Uint8Array) {
    const key = `${tenantId}/${record.id}`;
    if (!this.#components.has(key)) this.#components.set(key, { record: structuredClone(record), bytes: bytes.slice() });
  }
  async getComponent(tenantId: string, id: string) {
    const found = this.#components.get(`${tenantId}/${id}`);
    return found && { record: structuredClone(found.record), bytes: found.bytes.slice() };
  }
  async listComponents(tenantId: string) {
    return [...this.#components]
      .filter(([key]) => key.startsWith(`${tenantId}/`))
      .map(([, c]) => structuredClone(c.record))
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }
  async deleteComponent(tenantId: string, id: string) {
    return this.#components.delete(`${tenantId}/${id}`);
  }

  async putRun(record: RunRecord, retention: RunRetention) {
    const cutoff = Date.now() - retention.maxAgeMs;
    let runs = this.#runs.get(record.tenantId);
    if (!runs) this.#runs.set(record.tenantId, (runs = []));
    // Newest first: a new run almost always goes at the front; the oldest (past the count or the age) go from the back.
    const at = runs.findIndex((r) => newestFirst(record, r) < 0);
    runs.splice(at === -1 ? runs.length : at, 0, structuredClone(record));
    while (runs.length > retention.maxRuns || (runs.length && runs[runs.length - 1]!.startedAt < cutoff)) runs.pop();
  }
  async getRun(tenantId: string, id: string, since: number) {
    const run = this.#runs.get(tenantId)?.find((r) => r.id === id && r.startedAt >= since);
    return structuredClone(run);
  }
  async listRuns(tenantId: string, query: RunListQuery) {
    const runs = this.#runs.get(tenantId) ?? [];
    return runs.filter((r) => matchesQuery(r, query)).slice(0, query.limit).map((r) => structuredClone(runSummary(r)));
  }

  async putRecording(tenantId: string, recording: Recording, retention: RunRetention) {
    const cutoff = Date.now() - retention.maxAgeMs;
    let kept = this.#recordings.get(tenantId);
    if (!kept) this.#recordings.set(tenantId, (kept = new Map()));
    kept.set(recording.runId, structuredClone(recording));
    // In the order they were recorded: the oldest (past the count or the age) go from the front.
    for (const [runId, r] of kept) {
      if (kept.size <= retention.maxRuns && r.recordedAt >= cutoff) break;
      kept.delete(runId);
    }
  }
  async getRecording(tenantId: string, runId: string) {
    return structuredClone(this.#recordings.get(tenantId)?.get(runId));
  }

  async getMeta(key: string) {
    return this.#meta.get(key);
  }
  async setMetaIfAbsent(key: string, value: string) {
    if (!this.#meta.has(key)) this.#meta.set(key, value);
    return this.#meta.get(key)!;
  }

  dispose(): void {}
  [Symbol.dispose](): void {}
}
