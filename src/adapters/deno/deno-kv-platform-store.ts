import { RequestError } from "../../errors.ts";
import type { Recording } from "../../platform/recording.ts";
import { fromBase64, toBase64 } from "../../platform/base64.ts";
import type { ComponentRecord, PlatformStore, ScriptSpec, ScriptSummary, ScriptVersion, Tenant } from "../../platform/platform-store.ts";
import { runSummary, type RunListQuery, type RunRecord, type RunRetention, type RunSummary } from "../../platform/run-history.ts";
import { largeValues, PART, type DenoKv, type KvAtomic, type KvKey, type KvSelector } from "./deno-kv.ts";

interface Script {
  active: number;
  latest: number;
}

/** Deno KV takes at most 800 KiB per atomic commit: a component's bytes go in commits of this many parts. */
const PARTS_PER_COMMIT = 8;

/**
 * The Deno `PlatformStore` on Deno KV, in the same database as `kv` (`KILN_DENO_KV_PATH`): tenants,
 * sealed secrets, scripts with every version, components and server settings survive a restart.
 * Each change that must be whole (a deploy: the new version and the active pointer) is one atomic
 * commit, checked against what was read and retried when another writer changed it.
 */
export class DenoKvPlatformStore implements PlatformStore {
  readonly #kv: DenoKv;

  constructor(kv: DenoKv) {
    this.#kv = kv;
  }

  async #commit(op: KvAtomic): Promise<boolean> {
    try {
      return (await op.commit()).ok;
    } catch (e) {
      throw new RequestError("unavailable", `The server's storage refused the write (${e instanceof Error ? e.message : String(e)}); nothing was changed`, 30);
    }
  }

  async #keys(selector: KvSelector): Promise<KvKey[]> {
    const keys: KvKey[] = [];
    for await (const entry of this.#kv.list(selector)) keys.push(entry.key);
    return keys;
  }

  /** Deletes every key the selectors reach, in commits of at most 500 deletions. */
  async #deleteAll(...selectors: KvSelector[]): Promise<void> {
    const keys = (await Promise.all(selectors.map((s) => this.#keys(s)))).flat();
    for (let i = 0; i < keys.length; i += 500) {
      const op = this.#kv.atomic();
      for (const key of keys.slice(i, i + 500)) op.delete(key);
      await this.#commit(op);
    }
  }

  async createTenant(tenant: Tenant) {
    const byName = ["tenantByName", tenant.name];
    const ok = await this.#commit(this.#kv.atomic().check({ key: byName, versionstamp: null }).set(byName, tenant.id).set(["tenant", tenant.id], tenant));
    // Names are unique, as in the other stores.
    if (!ok) throw new RequestError("conflict", `A tenant named '${tenant.name}' exists`);
  }
  async getTenant(id: string) {
    return (await this.#kv.get<Tenant>(["tenant", id])).value ?? undefined;
  }
  async findTenantByName(name: string) {
    const id = (await this.#kv.get<string>(["tenantByName", name])).value;
    return id === null ? undefined : this.getTenant(id);
  }
  async listTenants() {
    const tenants: Tenant[] = [];
    for await (const entry of this.#kv.list<Tenant>({ prefix: ["tenant"] })) tenants.push(entry.value);
    return tenants.sort((a, b) => a.name.localeCompare(b.name));
  }
  async updateTenant(tenant: Tenant) {
    const stored = await this.#kv.get<Tenant>(["tenant", tenant.id]);
    if (!stored.value) return false;
    const { id, name, createdAt } = stored.value;
    const { grants, scopes, quotas } = tenant;
    await this.#commit(this.#kv.atomic().check(stored).set(stored.key, { id, name, grants, ...(scopes && { scopes }), ...(quotas && { quotas }), createdAt }));
    return true;
  }
  async deleteTenant(id: string) {
    const stored = await this.#kv.get<Tenant>(["tenant", id]);
    if (!stored.value) return false;
    await this.#commit(this.#kv.atomic().delete(stored.key).delete(["tenantByName", stored.value.name]));
    // Its kv namespaces are `<id>/<name>`: those in [`<id>/`, `<id>0`) ('0' follows '/').
    const namespaces = (space: string): KvSelector => ({ start: [space, `${id}/`], end: [space, `${id}0`] });
    await this.#deleteAll(
      ...["secret", "script", "version", "component", "componentBytes", "run", "runAt", "runDetail", "recording", "recordingAt"].map((space) => ({ prefix: [space, id] })),
      ...["version", "componentBytes", "runDetail", "recording"].map((space) => ({ prefix: ["parts", space, id] })),
      namespaces("kv"),
      namespaces("kvvalue"),
      { start: ["parts", "kvvalue", `${id}/`], end: ["parts", "kvvalue", `${id}0`] },
    );
    return true;
  }

  async putSecret(tenantId: string, name: string, sealed: string) {
    await this.#commit(this.#kv.atomic().set(["secret", tenantId, name], sealed));
  }
  async deleteSecret(tenantId: string, name: string) {
    const stored = await this.#kv.get<string>(["secret", tenantId, name]);
    if (stored.value === null) return false;
    await this.#commit(this.#kv.atomic().delete(stored.key));
    return true;
  }
  async getSecrets(tenantId: string) {
    const secrets: Record<string, string> = {};
    for await (const entry of this.#kv.list<string>({ prefix: ["secret", tenantId] })) secrets[entry.key[2] as string] = entry.value;
    return secrets;
  }

  async deployScript(tenantId: string, name: string, spec: ScriptSpec): Promise<ScriptVersion> {
    for (;;) {
      const script = await this.#kv.get<Script>(["script", tenantId, name]);
      const version: ScriptVersion = { ...spec, name, version: (script.value?.latest ?? 0) + 1, createdAt: Date.now() };
      const op = this.#kv.atomic().check(script);
      largeValues.set(op, ["version", tenantId, name, version.version], version);
      if (await this.#commit(op.set(script.key, { active: version.version, latest: version.version } satisfies Script))) return version;
    }
  }
  async getActiveScript(tenantId: string, name: string) {
    const script = (await this.#kv.get<Script>(["script", tenantId, name])).value;
    return script ? this.getScriptVersion(tenantId, name, script.active) : undefined;
  }
  async getScriptVersion(tenantId: string, name: string, version: number) {
    if (!(await this.#kv.get<Script>(["script", tenantId, name])).value) return undefined;
    return (await largeValues.get<ScriptVersion>(this.#kv, ["version", tenantId, name, version]))?.value;
  }
  async listScripts(tenantId: string): Promise<ScriptSummary[]> {
    const summaries: ScriptSummary[] = [];
    for await (const entry of this.#kv.list<Script>({ prefix: ["script", tenantId] })) {
      const name = entry.key[2] as string;
      const active = await this.getScriptVersion(tenantId, name, entry.value.active);
      const latest = await this.getScriptVersion(tenantId, name, entry.value.latest);
      if (active && latest) summaries.push({ name, activeVersion: entry.value.active, latestVersion: entry.value.latest, language: active.language, updatedAt: latest.createdAt });
    }
    return summaries.sort((a, b) => a.name.localeCompare(b.name));
  }
  async listVersions(tenantId: string, name: string) {
    const script = (await this.#kv.get<Script>(["script", tenantId, name])).value;
    const versions: ScriptVersion[] = [];
    for (let v = 1; script && v <= script.latest; v++) {
      const version = await this.getScriptVersion(tenantId, name, v);
      if (version) versions.push(version);
    }
    return versions;
  }
  async activateVersion(tenantId: string, name: string, version: number) {
    for (;;) {
      const script = await this.#kv.get<Script>(["script", tenantId, name]);
      if (!script.value || !Number.isInteger(version) || version < 1 || version > script.value.latest) return false;
      if (await this.#commit(this.#kv.atomic().check(script).set(script.key, { ...script.value, active: version }))) return true;
    }
  }
  async deleteScript(tenantId: string, name: string) {
    const script = await this.#kv.get<Script>(["script", tenantId, name]);
    if (!script.value) return false;
    await this.#commit(this.#kv.atomic().check(script).delete(script.key));
    await this.#deleteAll({ prefix: ["version", tenantId, name] }, { prefix: ["parts", "version", tenantId, name] });
    return true;
  }

  async putComponent(tenantId: string, record: ComponentRecord, bytes: Uint8Array) {
    const key = ["component", tenantId, record.id];
    if ((await this.#kv.get(key)).value !== null) return; // the same id again keeps the first record
    // The bytes first, in several commits (they may pass one commit's size); the record last, so a reader sees all or nothing.
    const base64 = JSON.stringify(toBase64(bytes));
    const parts = Math.max(1, Math.ceil(base64.length / PART));
    for (let i = 0; i < parts; i += PARTS_PER_COMMIT) {
      const op = this.#kv.atomic();
      for (let p = i; p < Math.min(parts, i + PARTS_PER_COMMIT); p++) op.set(["parts", "componentBytes", tenantId, record.id, p], base64.slice(p * PART, (p + 1) * PART));
      await this.#commit(op);
    }
    await this.#commit(this.#kv.atomic().check({ key, versionstamp: null }).set(["componentBytes", tenantId, record.id], parts).set(key, record));
  }
  async getComponent(tenantId: string, id: string) {
    const record = (await this.#kv.get<ComponentRecord>(["component", tenantId, id])).value;
    const bytes = record && (await largeValues.get<string>(this.#kv, ["componentBytes", tenantId, id]));
    return record && bytes ? { record, bytes: fromBase64(bytes.value) } : undefined;
  }
  async listComponents(tenantId: string) {
    const records: ComponentRecord[] = [];
    for await (const entry of this.#kv.list<ComponentRecord>({ prefix: ["component", tenantId] })) records.push(entry.value);
    return records.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }
  async deleteComponent(tenantId: string, id: string) {
    const record = await this.#kv.get(["component", tenantId, id]);
    if (record.value === null) return false;
    await this.#commit(this.#kv.atomic().check(record).delete(record.key).delete(["componentBytes", tenantId, id]));
    await this.#deleteAll({ prefix: ["parts", "componentBytes", tenantId, id] });
    return true;
  }

  /**
   * A run: its summary under `["run", tenant, startedAt, id]` (so listing is in start-then-id order),
   * its start under `["runAt", tenant, id]`, its output and result in parts under `["runDetail", tenant, id]`,
   * written before the summary so a reader sees all or nothing. Then the runs past the retention go.
   */
  async putRun(record: RunRecord, retention: RunRetention) {
    const t = record.tenantId;
    const { stdout, stderr, logs, result, error } = record;
    const json = JSON.stringify({ stdout, stderr, logs, result, error });
    const parts = Math.max(1, Math.ceil(json.length / PART));
    for (let i = 0; i < parts; i += PARTS_PER_COMMIT) {
      const op = this.#kv.atomic();
      for (let p = i; p < Math.min(parts, i + PARTS_PER_COMMIT); p++) op.set(["parts", "runDetail", t, record.id, p], json.slice(p * PART, (p + 1) * PART));
      await this.#commit(op);
    }
    await this.#commit(
      this.#kv.atomic().set(["runDetail", t, record.id], parts).set(["runAt", t, record.id], record.startedAt).set(["run", t, record.startedAt, record.id], runSummary(record)),
    );
    const kept = await this.#keys({ prefix: ["run", t] });
    const cutoff = Date.now() - retention.maxAgeMs;
    const excess = kept.length - retention.maxRuns;
    const gone = kept.filter((key, i) => i < excess || (key[2] as number) < cutoff);
    for (const key of gone) {
      const id = key[3] as string;
      await this.#commit(this.#kv.atomic().delete(key).delete(["runAt", t, id]).delete(["runDetail", t, id]));
      await this.#deleteAll({ prefix: ["parts", "runDetail", t, id] });
    }
  }
  async putRecording(tenantId: string, recording: Recording, retention: RunRetention) {
    const op = this.#kv.atomic().set(["recordingAt", tenantId, recording.recordedAt, recording.runId], true);
    largeValues.set(op, ["recording", tenantId, recording.runId], recording);
    await this.#commit(op);
    const kept = await this.#keys({ prefix: ["recordingAt", tenantId] });
    const cutoff = Date.now() - retention.maxAgeMs;
    const excess = kept.length - retention.maxRuns;
    for (const key of kept.filter((key, i) => i < excess || (key[2] as number) < cutoff)) {
      const runId = key[3] as string;
      const parts = (await this.#kv.get<number>(["recording", tenantId, runId])).value ?? 0;
      await this.#commit(largeValues.delete(this.#kv.atomic().delete(key), ["recording", tenantId, runId], parts));
    }
  }
  async getRecording(tenantId: string, runId: string) {
    return (await largeValues.get<Recording>(this.#kv, ["recording", tenantId, runId]))?.value;
  }
  async getRun(tenantId: string, id: string, since: number) {
    const startedAt = (await this.#kv.get<number>(["runAt", tenantId, id])).value;
    if (startedAt === null || startedAt < since) return undefined;
    const summary = (await this.#kv.get<RunSummary>(["run", tenantId, startedAt, id])).value;
    const detail = summary && (await largeValues.get<Omit<RunRecord, keyof RunSummary>>(this.#kv, ["runDetail", tenantId, id]));
    return summary && detail ? ({ ...summary, ...detail.value } as RunRecord) : undefined;
  }
  async listRuns(tenantId: string, q: RunListQuery) {
    const out: RunSummary[] = [];
    const prefix = ["run", tenantId];
    const selector: KvSelector = q.after ? { prefix, end: [...prefix, q.after.startedAt, q.after.id] } : { prefix };
    for await (const entry of this.#kv.list<RunSummary>(selector, { reverse: true })) {
      const run = entry.value;
      if (run.startedAt < q.since || out.length === q.limit) break;
      if ((q.script === undefined || run.script === q.script) && (q.outcome === undefined || run.outcome === q.outcome)) out.push(run);
    }
    return out;
  }

  async getMeta(key: string) {
    return (await this.#kv.get<string>(["meta", key])).value ?? undefined;
  }
  async setMetaIfAbsent(key: string, value: string) {
    await this.#commit(this.#kv.atomic().check({ key: ["meta", key], versionstamp: null }).set(["meta", key], value));
    return (await this.getMeta(key))!;
  }

  dispose(): void {
    this.#kv.close();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
