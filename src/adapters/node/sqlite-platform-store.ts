import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { SqlPlatformStore, type Row, type SqlDriver } from "../../platform/sql-platform-store.ts";

/**
 * The Node `PlatformStore`: its tables live in the same SQLite file as `kv` (WAL, synchronous=FULL,
 * so an acknowledged deploy survives a crash).
 */
export class SqlitePlatformStore extends SqlPlatformStore {
  readonly #db: Database.Database;

  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 5000");
    const driver: SqlDriver = {
      exec: (sql) => void db.exec(sql),
      all: (sql, ...args) => db.prepare(sql).all(...args) as Row[],
      run: (sql, ...args) => db.prepare(sql).run(...args).changes,
      transaction: (fn) => db.transaction(fn).immediate(),
    };
    super(driver);
    this.#db = db;
  }

  override dispose(): void {
    if (this.#db.open) this.#db.close();
  }
}
