import type Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { RequestError } from "../../errors.ts";
import { SqlPlatformStore, type Row, type SqlDriver } from "../../platform/sql-platform-store.ts";
import type { RunRecord, RunRetention } from "../../platform/run-history.ts";
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
    const driver: SqlDriver = {
      exec: (sql) => guarded(() => void db.exec(sql)),
      all: (sql, ...args) => db.prepare(sql).all(...args) as Row[],
      run: (sql, ...args) => guarded(() => db.prepare(sql).run(...args).changes),
      transaction: (fn) => guarded(() => db.transaction(fn).immediate()),
    };
    super(driver);
    this.#db = db;
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

  /**
   * Run history is written without waiting for the disk (synchronous=NORMAL for its transaction; in WAL
   * mode a commit is then not fsynced): an fsync per run would cost every run one (about 0.4 ms on the test
   * machine, tens of ms on a busy disk). A power loss may lose the newest runs' history, never the file's
   * consistency, nor a deploy, secret or `kv` write (those stay FULL). The transaction runs synchronously
   * within this call, so nothing else commits under NORMAL.
   */
  override putRun(record: RunRecord, retention: RunRetention): Promise<void> {
    this.#db.pragma("synchronous = NORMAL");
    try {
      return super.putRun(record, retention);
    } finally {
      this.#db.pragma("synchronous = FULL");
    }
  }

  override dispose(): void {
    if (this.#db.open) this.#db.close();
  }
}
