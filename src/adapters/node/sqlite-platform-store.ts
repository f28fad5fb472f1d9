import type Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { RequestError } from "../../errors.ts";
import { jsonLogger } from "../../server-log.ts";
import type { Tenant } from "../../platform/platform-store.ts";
import { SqlPlatformStore, type Row, type SqlDriver } from "../../platform/sql-platform-store.ts";
import { isStorageFailure, openSqlite } from "./sqlite-storage.ts";
import { WalCheckpointer } from "./wal-checkpointer.ts";

/**
 * The Node `PlatformStore`: its tables live in the same SQLite file as `kv` (WAL, synchronous=FULL,
 * so an acknowledged deploy survives a crash). Deleting a tenant also deletes its `kv` entries there.
 */
export class SqlitePlatformStore extends SqlPlatformStore {
  readonly #db: Database.Database;

  readonly #checkpointer: WalCheckpointer | undefined;

  /**
   * `maxPages` caps the file (a full disk, for tests). `backgroundCheckpoints` (the server's) moves the
   * WAL's checkpoints to a thread of their own (wal-checkpointer.ts).
   */
  constructor(path: string, options: { maxPages?: number; backgroundCheckpoints?: boolean } = {}) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = openSqlite(path, options);
    // A full or failing disk is a 503 the caller can retry, not a host bug; nothing was written.
    const guarded = <T>(fn: () => T): T => {
      try {
        return fn();
      } catch (e) {
        if (isStorageFailure(e)) throw new RequestError("unavailable", "The server's storage is full or cannot be written; nothing was changed", 30);
        throw e;
      }
    };
    // Statements are prepared once per SQL text (the store's texts are a small fixed set).
    const statements = new Map<string, Database.Statement>();
    const statement = (sql: string) => {
      let st = statements.get(sql);
      if (!st) statements.set(sql, (st = db.prepare(sql)));
      return st;
    };
    const driver: SqlDriver = {
      exec: (sql) => guarded(() => void db.exec(sql)),
      all: (sql, ...args) => statement(sql).all(...args) as Row[],
      run: (sql, ...args) => guarded(() => statement(sql).run(...args).changes),
      transaction: (fn) => guarded(() => db.transaction(fn).immediate()),
      // Run history commits without waiting for the disk: synchronous=NORMAL for its transaction (in WAL
      // mode a commit is then not fsynced). An fsync per commit would cost every run one (about 0.4 ms on
      // the test machine, tens of ms on a busy disk). A power loss may lose the newest runs' history,
      // never the file's consistency, nor a deploy, secret or `kv` write (those stay FULL); the
      // transaction runs synchronously within this call, so nothing else commits under NORMAL.
      relaxedTransaction: (fn) => {
        db.pragma("synchronous = NORMAL");
        try {
          return guarded(() => db.transaction(fn).immediate());
        } finally {
          db.pragma("synchronous = FULL");
        }
      },
    };
    // Run history is written behind the runs, in batches (one commit per 10 ms or 256 runs).
    super(driver, { delayMs: 10, maxPending: 256, log: jsonLogger });
    this.#db = db;
    this.#version = db.prepare("PRAGMA data_version").pluck();
    if (options.backgroundCheckpoints && path !== ":memory:") this.#checkpointer = new WalCheckpointer(db, path);
  }

  /**
   * Tenants are read on every request and change rarely, so lookups are kept. This connection's own
   * tenant writes drop them at once. A write through another connection to the file (the CLI's, say)
   * is noticed by `data_version`, asked at most every 250 ms: asking costs as much as a lookup (each
   * starts a read transaction on the shared file), so asking per request would save nothing.
   */
  readonly #version: Database.Statement;
  #tenants = new Map<string, Tenant | undefined>();
  #tenantsVersion = -1;
  #tenantsCheckedAt = 0;
  #dropTenants(): void {
    this.#tenants = new Map();
  }
  override async getTenant(id: string): Promise<Tenant | undefined> {
    const now = Date.now();
    if (now - this.#tenantsCheckedAt >= 250) {
      const version = this.#version.get() as number;
      if (version !== this.#tenantsVersion) this.#dropTenants();
      this.#tenantsVersion = version;
      this.#tenantsCheckedAt = now;
    }
    if (this.#tenants.has(id)) return this.#tenants.get(id);
    const generation = this.#tenants;
    const tenant = await super.getTenant(id);
    // A tenant write while this lookup was settling (it replaced the map) leaves it uncached.
    if (generation !== this.#tenants) return tenant;
    if (this.#tenants.size >= 10_000) this.#dropTenants();
    this.#tenants.set(id, tenant);
    return tenant;
  }
  override async createTenant(t: Tenant) {
    this.#dropTenants();
    return super.createTenant(t);
  }
  override async updateTenant(t: Tenant) {
    this.#dropTenants();
    return super.updateTenant(t);
  }

  override async deleteTenant(id: string): Promise<boolean> {
    this.#dropTenants();
    if (!(await super.deleteTenant(id))) return false;
    // The kv table is the worker threads' (sqlite-kv-store.ts), made on their first start; namespaces are `<tenant id>/<name>`.
    if (this.#db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kv'").get()) {
      // Namespaces in [`<id>/`, `<id>0`) start with `<id>/` ('0' follows '/'); the range keeps the primary key index usable.
      this.#db.prepare("DELETE FROM kv WHERE ns >= ? AND ns < ?").run(`${id}/`, `${id}0`);
    }
    return true;
  }

  override dispose(): void {
    if (!this.#db.open) return;
    super.dispose();
    this.#checkpointer?.dispose();
    this.#db.close();
  }
}
