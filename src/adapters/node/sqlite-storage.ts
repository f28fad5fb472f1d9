import Database from "better-sqlite3";

/** SQLite's codes for a file that cannot take a write: the disk is full, read-only, or failing. */
const STORAGE_CODES = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN)/;

/** Whether SQLite refused a write because of the storage under it, not because of the statement. */
export function isStorageFailure(e: unknown): boolean {
  return e instanceof Database.SqliteError && STORAGE_CODES.test(e.code);
}

/** A SQLite file opened the way Kiln's stores open theirs: WAL, synchronous=FULL, and at most `maxPages` pages when given (a full disk, for tests). */
export function openSqlite(path: string, options: { maxPages?: number } = {}): Database.Database {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  if (options.maxPages !== undefined) db.pragma(`max_page_count = ${Math.trunc(options.maxPages)}`);
  return db;
}
