import type Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { RequestError } from "../../errors.ts";
import { jsonLogger } from "../../server-log.ts";
import type { Tenant } from "../../platform/platform-store.ts";
import { SqlPlatformStore, type Row, type SqlDriver } from "../../platform/sql-platform-store.ts";
import { isStorageFailure, openSqlite } from "./sqlite-storage.ts";

/**
 * The Node `PlatformStore`: its tables live in the same SQLite file as `kv` (WAL, synchronous=FULL,
 * so an acknowledged deploy survives a crash). Deleting a tenant also deletes its `kv` entries there.
 */
export class SqlitePlatformStore extends SqlPlatformStore {
  readonly #db: Database.Database;

  /** `maxPages` caps the file (a full disk, for tests). */
  constructor(path: string, options: { maxPages?: number } = {}) {
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
    this.#version = db.prepare("SELECT data_version, total_changes() FROM pragma_data_version").raw();
  }

  /**
   * Tenants are read on every request, and change rarely: a lookup is kept until anything is written
   * to the file, by this connection (`total_changes()`) or any other (`data_version`), which a single
   * statement tells for a third of a lookup's cost.
   */
  readonly #version: Database.Statement;
  #tenants = new Map<string, Tenant | undefined>();
  #tenantsAt = "";
  override async getTenant(id: string): Promise<Tenant | undefined> {
    const at = (this.#version.get() as number[]).join();
    if (at !== this.#tenantsAt) {
      this.#tenants.clear();
      this.#tenantsAt = at;
    }
    if (this.#tenants.has(id)) return this.#tenants.get(id);
    const tenant = await super.getTenant(id);
    // The row was read at `at` (the read runs synchronously); a write since then leaves it uncached.
    if (this.#tenantsAt !== at || (this.#version.get() as number[]).join() !== at) return tenant;
    if (this.#tenants.size >= 10_000) this.#tenants.clear();
    this.#tenants.set(id, tenant);
    return tenant;
  }

  override async deleteTenant(id: string): Promise<boolean> {
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
    this.#db.close();
  }
}
