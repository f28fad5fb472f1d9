import type { Logger } from "../server-log.ts";
import { fromBase64, toBase64 } from "./base64.ts";
import type { Recording } from "./recording.ts";
import type { ComponentRecord, PlatformStore, ScriptSpec, ScriptSummary, ScriptVersion, Tenant } from "./platform-store.ts";
import { runSummary, type RunListQuery, type RunRecord, type RunRetention, type RunSummary } from "./run-history.ts";

export type Row = Record<string, any>;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, grants TEXT NOT NULL, created_at INTEGER NOT NULL, scopes TEXT, quotas TEXT);
CREATE TABLE IF NOT EXISTS secrets (tenant_id TEXT NOT NULL, name TEXT NOT NULL, sealed TEXT NOT NULL, PRIMARY KEY (tenant_id, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS scripts (tenant_id TEXT NOT NULL, name TEXT NOT NULL, active_version INTEGER NOT NULL, PRIMARY KEY (tenant_id, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS script_versions (tenant_id TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
  language TEXT NOT NULL, code TEXT NOT NULL, grants TEXT NOT NULL, limits TEXT, created_at INTEGER NOT NULL, type TEXT, inputs TEXT,
  PRIMARY KEY (tenant_id, name, version)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS components (tenant_id TEXT NOT NULL, id TEXT NOT NULL, record TEXT NOT NULL, bytes TEXT NOT NULL, PRIMARY KEY (tenant_id, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (tenant_id TEXT NOT NULL, id TEXT NOT NULL, started_at INTEGER NOT NULL, script TEXT, outcome TEXT NOT NULL,
  summary TEXT NOT NULL, detail TEXT NOT NULL, PRIMARY KEY (tenant_id, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (tenant_id, started_at, id);
CREATE TABLE IF NOT EXISTS recordings (tenant_id TEXT NOT NULL, run_id TEXT NOT NULL, recorded_at INTEGER NOT NULL, recording TEXT NOT NULL, PRIMARY KEY (tenant_id, run_id)) WITHOUT ROWID;
`;

const toVersion = (r: Row): ScriptVersion => ({
  name: r.name,
  version: r.version,
  language: r.language,
  code: r.code,
  grants: JSON.parse(r.grants),
  ...(r.limits ? { limits: JSON.parse(r.limits) } : {}),
  ...(r.type ? { type: r.type } : {}),
  ...(r.inputs ? JSON.parse(r.inputs) : {}),
  createdAt: r.created_at,
});

/** A version's default stdin and arguments, its files and whether it is recorded, as one JSON column (null when it has none). */
const inputsOf = (spec: ScriptSpec): string | null => {
  const inputs = { ...(spec.stdin !== undefined && { stdin: spec.stdin }), ...(spec.args?.length ? { args: spec.args } : {}), ...(spec.files?.length ? { files: spec.files } : {}), ...(spec.record && { record: true }) };
  return Object.keys(inputs).length ? JSON.stringify(inputs) : null;
};

/** A synchronous SQLite connection: better-sqlite3 on Node, a Durable Object's `storage.sql` on workerd. */
export interface SqlDriver {
  exec(sql: string): void;
  all(sql: string, ...args: unknown[]): Row[];
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, ...args: unknown[]): number;
  transaction<T>(fn: () => T): T;
  /**
   * A transaction whose commit need not wait for the disk (run history: a power loss may lose the
   * newest entries, never the file's consistency). Without it, history commits as `transaction`.
   */
  relaxedTransaction?<T>(fn: () => T): T;
}

/** How a store writes run history behind the runs (see the SqlPlatformStore constructor). */
export interface HistoryWrites {
  delayMs: number;
  maxPending: number;
  log: Logger;
}

/** A run or recording waiting for the next history commit, and who waits on it. */
interface PendingHistory {
  write(): void;
  tenantId: string;
  retention: RunRetention;
  settle(error?: unknown): void;
}

/** Runs `fn` once the current turn's I/O is done (Node, Bun and Deno have setImmediate; workerd takes a zero timeout). */
const afterThisTurn: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === "function"
    ? (fn) => (globalThis as unknown as { setImmediate(f: () => void): void }).setImmediate(fn)
    : (fn) => void setTimeout(fn, 0);

/**
 * A `PlatformStore` in SQLite tables, over any `SqlDriver`. Secrets arrive sealed; this store never
 * sees plaintext.
 */
export class SqlPlatformStore implements PlatformStore {
  readonly #db: SqlDriver;
  readonly #history: HistoryWrites | undefined;

  /**
   * `history`, for a store only its own process writes (a SQLite file): run history is written behind,
   * at most `delayMs` after the run (or once `maxPending` entries wait), and a failed write goes to
   * `log`. Without it, a run's history has committed when its `putRun` resolves.
   */
  constructor(driver: SqlDriver, history?: HistoryWrites) {
    this.#db = driver;
    this.#history = history;
    for (const statement of SCHEMA.split(";").map((s) => s.trim()).filter(Boolean)) driver.exec(statement);
    // Databases from before script_versions had `type` (module or script) and `inputs` (stdin, args, files), and tenants `scopes` and `quotas`, get the column, empty for their rows.
    for (const column of ["script_versions ADD COLUMN type TEXT", "script_versions ADD COLUMN inputs TEXT", "tenants ADD COLUMN scopes TEXT", "tenants ADD COLUMN quotas TEXT"]) {
      try {
        driver.exec(`ALTER TABLE ${column}`);
      } catch (e) {
        if (!/duplicate column/i.test(String(e))) throw e;
      }
    }
  }

  #get(sql: string, ...args: unknown[]): Row | undefined {
    return this.#db.all(sql, ...args)[0];
  }
  #all(sql: string, ...args: unknown[]): Row[] {
    return this.#db.all(sql, ...args);
  }
  #run(sql: string, ...args: unknown[]): number {
    return this.#db.run(sql, ...args);
  }

  async createTenant(t: Tenant) {
    this.#run(
      "INSERT INTO tenants (id, name, grants, created_at, scopes, quotas) VALUES (?, ?, ?, ?, ?, ?)",
      t.id, t.name, JSON.stringify(t.grants), t.createdAt, t.scopes ? JSON.stringify(t.scopes) : null, t.quotas ? JSON.stringify(t.quotas) : null,
    );
  }
  #tenant(r: Row | undefined): Tenant | undefined {
    return (
      r && {
        id: r.id,
        name: r.name,
        grants: JSON.parse(r.grants),
        ...(r.scopes && { scopes: JSON.parse(r.scopes) }),
        ...(r.quotas && { quotas: JSON.parse(r.quotas) }),
        createdAt: r.created_at,
      }
    );
  }
  async getTenant(id: string) {
    return this.#tenant(this.#get("SELECT * FROM tenants WHERE id = ?", id));
  }
  async findTenantByName(name: string) {
    return this.#tenant(this.#get("SELECT * FROM tenants WHERE name = ?", name));
  }
  async listTenants() {
    return this.#all("SELECT * FROM tenants ORDER BY name").map((r) => this.#tenant(r)!);
  }
  async updateTenant(t: Tenant) {
    const json = (value: unknown) => (value ? JSON.stringify(value) : null);
    return this.#run("UPDATE tenants SET grants = ?, scopes = ?, quotas = ? WHERE id = ?", JSON.stringify(t.grants), json(t.scopes), json(t.quotas), t.id) > 0;
  }
  async deleteTenant(id: string) {
    this.#commitHistory();
    return this.#db.transaction(() => {
      for (const table of ["secrets", "script_versions", "scripts", "components", "runs", "recordings"]) this.#run(`DELETE FROM ${table} WHERE tenant_id = ?`, id);
      return this.#run("DELETE FROM tenants WHERE id = ?", id) > 0;
    });
  }

  async putSecret(tenantId: string, name: string, sealed: string) {
    this.#run("INSERT INTO secrets (tenant_id, name, sealed) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET sealed = excluded.sealed", tenantId, name, sealed);
  }
  async deleteSecret(tenantId: string, name: string) {
    return this.#run("DELETE FROM secrets WHERE tenant_id = ? AND name = ?", tenantId, name) > 0;
  }
  async getSecrets(tenantId: string) {
    return Object.fromEntries(this.#all("SELECT name, sealed FROM secrets WHERE tenant_id = ?", tenantId).map((r) => [r.name, r.sealed]));
  }

  async deployScript(tenantId: string, name: string, spec: ScriptSpec): Promise<ScriptVersion> {
    return this.#db.transaction(() => {
      const latest = this.#get("SELECT max(version) AS v FROM script_versions WHERE tenant_id = ? AND name = ?", tenantId, name)?.v ?? 0;
      const version = latest + 1;
      const createdAt = Date.now();
      this.#run(
        "INSERT INTO script_versions (tenant_id, name, version, language, code, grants, limits, created_at, type, inputs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        tenantId, name, version, spec.language, spec.code, JSON.stringify(spec.grants), spec.limits ? JSON.stringify(spec.limits) : null, createdAt, spec.type ?? null, inputsOf(spec),
      );
      this.#run("INSERT INTO scripts (tenant_id, name, active_version) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET active_version = excluded.active_version", tenantId, name, version);
      return { ...spec, name, version, createdAt };
    });
  }
  async getActiveScript(tenantId: string, name: string) {
    const r = this.#get(
      "SELECT v.* FROM scripts s JOIN script_versions v ON v.tenant_id = s.tenant_id AND v.name = s.name AND v.version = s.active_version WHERE s.tenant_id = ? AND s.name = ?",
      tenantId, name,
    );
    return r && toVersion(r);
  }
  async getScriptVersion(tenantId: string, name: string, version: number) {
    const r = this.#get("SELECT * FROM script_versions WHERE tenant_id = ? AND name = ? AND version = ?", tenantId, name, version);
    return r && toVersion(r);
  }
  async listScripts(tenantId: string): Promise<ScriptSummary[]> {
    return this.#all(
      `SELECT s.name, s.active_version, a.language, max(v.version) AS latest, max(v.created_at) AS updated
       FROM scripts s JOIN script_versions a ON a.tenant_id = s.tenant_id AND a.name = s.name AND a.version = s.active_version
       JOIN script_versions v ON v.tenant_id = s.tenant_id AND v.name = s.name
       WHERE s.tenant_id = ? GROUP BY s.name ORDER BY s.name`,
      tenantId,
    ).map((r) => ({ name: r.name, activeVersion: r.active_version, latestVersion: r.latest, language: r.language, updatedAt: r.updated }));
  }
  async listVersions(tenantId: string, name: string) {
    return this.#all("SELECT * FROM script_versions WHERE tenant_id = ? AND name = ? ORDER BY version", tenantId, name).map(toVersion);
  }
  async activateVersion(tenantId: string, name: string, version: number) {
    if (!this.#get("SELECT 1 FROM script_versions WHERE tenant_id = ? AND name = ? AND version = ?", tenantId, name, version)) return false;
    return this.#run("UPDATE scripts SET active_version = ? WHERE tenant_id = ? AND name = ?", version, tenantId, name) > 0;
  }
  async deleteScript(tenantId: string, name: string) {
    return this.#db.transaction(() => {
      this.#run("DELETE FROM script_versions WHERE tenant_id = ? AND name = ?", tenantId, name);
      return this.#run("DELETE FROM scripts WHERE tenant_id = ? AND name = ?", tenantId, name) > 0;
    });
  }

  async putComponent(tenantId: string, record: ComponentRecord, bytes: Uint8Array) {
    this.#run("INSERT OR IGNORE INTO components (tenant_id, id, record, bytes) VALUES (?, ?, ?, ?)", tenantId, record.id, JSON.stringify(record), toBase64(bytes));
  }
  async getComponent(tenantId: string, id: string) {
    const r = this.#get("SELECT record, bytes FROM components WHERE tenant_id = ? AND id = ?", tenantId, id);
    return r && { record: JSON.parse(r.record) as ComponentRecord, bytes: fromBase64(r.bytes) };
  }
  async listComponents(tenantId: string) {
    return this.#all("SELECT record FROM components WHERE tenant_id = ?", tenantId)
      .map((r) => JSON.parse(r.record) as ComponentRecord)
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }
  async deleteComponent(tenantId: string, id: string) {
    return this.#run("DELETE FROM components WHERE tenant_id = ? AND id = ?", tenantId, id) > 0;
  }

  /**
   * Run history is written in batches: the runs and recordings that finish together (in one turn of
   * the event loop, or within the write-behind delay) commit in one transaction, and each tenant among
   * them is trimmed to its retention once. Reads commit what is waiting first, so a run is listed as
   * soon as its caller has its id. Written behind, `putRun` resolves once the entry waits; otherwise
   * once it has committed (or failed to).
   */
  putRun(record: RunRecord, retention: RunRetention): Promise<void> {
    const { stdout, stderr, logs, result, error } = record;
    return this.#queueHistory(record.tenantId, retention, () =>
      this.#run(
        "INSERT OR REPLACE INTO runs (tenant_id, id, started_at, script, outcome, summary, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
        record.tenantId, record.id, record.startedAt, record.script, record.outcome, JSON.stringify(runSummary(record)), JSON.stringify({ stdout, stderr, logs, result, error }),
      ),
    );
  }
  putRecording(tenantId: string, recording: Recording, retention: RunRetention): Promise<void> {
    return this.#queueHistory(tenantId, retention, () =>
      this.#run("INSERT OR REPLACE INTO recordings (tenant_id, run_id, recorded_at, recording) VALUES (?, ?, ?, ?)", tenantId, recording.runId, recording.recordedAt, JSON.stringify(recording)),
    );
  }

  #pendingHistory: PendingHistory[] = [];
  #historyTimer: ReturnType<typeof setTimeout> | undefined;
  #queueHistory(tenantId: string, retention: RunRetention, write: () => void): Promise<void> {
    const behind = this.#history;
    if (behind) {
      this.#pendingHistory.push({ write, tenantId, retention, settle: (error) => error !== undefined && behind.log.error("run history was not written", error, { tenantId }) });
      if (this.#pendingHistory.length >= behind.maxPending) this.#commitHistory();
      else this.#historyTimer ??= setTimeout(() => this.#commitHistory(), behind.delayMs);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.#pendingHistory.push({ write, tenantId, retention, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      if (this.#pendingHistory.length === 1) afterThisTurn(() => this.#commitHistory());
    });
  }
  /** Commits the waiting history entries, then trims each of their tenants' runs and recordings. */
  #commitHistory(): void {
    clearTimeout(this.#historyTimer);
    this.#historyTimer = undefined;
    const batch = this.#pendingHistory;
    if (!batch.length) return;
    this.#pendingHistory = [];
    // The last retention given for a tenant in the batch is the one that holds (it is the tenant's current one).
    const retentions = new Map(batch.map((p) => [p.tenantId, p.retention]));
    const commit = (fn: () => void) => (this.#db.relaxedTransaction ?? this.#db.transaction).call(this.#db, fn);
    try {
      commit(() => {
        for (const p of batch) p.write();
        const now = Date.now();
        for (const [t, retention] of retentions) {
          this.#run("DELETE FROM runs WHERE tenant_id = ? AND started_at < ?", t, now - retention.maxAgeMs);
          // Everything from the (maxRuns + 1)-th newest on.
          this.#run(
            "DELETE FROM runs WHERE tenant_id = ? AND (started_at, id) <= (SELECT started_at, id FROM runs WHERE tenant_id = ? ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET ?)",
            t, t, retention.maxRuns,
          );
          this.#run("DELETE FROM recordings WHERE tenant_id = ? AND recorded_at < ?", t, now - retention.maxAgeMs);
          this.#run(
            "DELETE FROM recordings WHERE tenant_id = ? AND (recorded_at, run_id) <= (SELECT recorded_at, run_id FROM recordings WHERE tenant_id = ? ORDER BY recorded_at DESC, run_id DESC LIMIT 1 OFFSET ?)",
            t, t, retention.maxRuns,
          );
        }
      });
    } catch (e) {
      for (const p of batch) p.settle(e);
      return;
    }
    for (const p of batch) p.settle();
  }
  async getRecording(tenantId: string, runId: string) {
    this.#commitHistory();
    const r = this.#get("SELECT recording FROM recordings WHERE tenant_id = ? AND run_id = ?", tenantId, runId);
    return r && (JSON.parse(r.recording) as Recording);
  }
  async getRun(tenantId: string, id: string, since: number) {
    this.#commitHistory();
    const r = this.#get("SELECT summary, detail FROM runs WHERE tenant_id = ? AND id = ? AND started_at >= ?", tenantId, id, since);
    return r && ({ ...JSON.parse(r.summary), ...JSON.parse(r.detail) } as RunRecord);
  }
  async listRuns(tenantId: string, q: RunListQuery) {
    this.#commitHistory();
    const where = ["tenant_id = ?", "started_at >= ?"];
    const args: unknown[] = [tenantId, q.since];
    const filter = (clause: string, ...values: unknown[]) => {
      where.push(clause);
      args.push(...values);
    };
    if (q.script !== undefined) filter("script = ?", q.script);
    if (q.outcome !== undefined) filter("outcome = ?", q.outcome);
    if (q.after) filter("(started_at, id) < (?, ?)", q.after.startedAt, q.after.id);
    return this.#all(`SELECT summary FROM runs WHERE ${where.join(" AND ")} ORDER BY started_at DESC, id DESC LIMIT ?`, ...args, q.limit).map(
      (r) => JSON.parse(r.summary) as RunSummary,
    );
  }

  async getMeta(key: string) {
    return this.#get("SELECT value FROM meta WHERE key = ?", key)?.value as string | undefined;
  }
  async setMetaIfAbsent(key: string, value: string) {
    this.#run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING", key, value);
    return (await this.getMeta(key))!;
  }

  /** Commits the history still waiting; a subclass that closes its database calls this first. */
  dispose(): void {
    this.#commitHistory();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}
