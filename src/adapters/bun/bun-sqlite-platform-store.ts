import type { Database } from "bun:sqlite";
import { RequestError } from "../../errors.ts";
import { jsonLogger } from "../../server-log.ts";
import { SqlPlatformStore, type Row, type SqlDriver } from "../../platform/sql-platform-store.ts";
import { isStorageFailure } from "./bun-sqlite.ts";

/**
 * The Bun `PlatformStore`: the SQL store (the same tables as on Node) over `bun:sqlite`, in the same
 * file as `kv` (`KILN_DB_PATH`). Deleting a tenant also deletes its `kv` entries there.
 */
export class BunSqlitePlatformStore extends SqlPlatformStore {
  readonly #db: Database;
  #open = true;

  constructor(db: Database) {
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
      exec: (sql) => guarded(() => db.exec(sql)),
      all: (sql, ...args) => db.query<Row>(sql).all(...args),
      run: (sql, ...args) => guarded(() => db.query(sql).run(...args).changes),
      transaction: (fn) => guarded(() => db.transaction(fn).immediate()),
    };
    // Run history is written behind the runs, in batches (one commit per 10 ms or 256 runs).
    super(driver, { delayMs: 10, maxPending: 256, log: jsonLogger });
    this.#db = db;
  }

  override async deleteTenant(id: string): Promise<boolean> {
    if (!(await super.deleteTenant(id))) return false;
    // Namespaces are `<tenant id>/<name>`: those in [`<id>/`, `<id>0`) ('0' follows '/').
    if (this.#db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kv'").get()) this.#db.prepare("DELETE FROM kv WHERE ns >= ? AND ns < ?").run(`${id}/`, `${id}0`);
    return true;
  }

  override dispose(): void {
    if (!this.#open) return;
    super.dispose();
    this.#db.close();
    this.#open = false;
  }
}
