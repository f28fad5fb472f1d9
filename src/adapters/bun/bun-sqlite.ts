import { Database, SQLiteError } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

/** SQLite's codes for a file that cannot take a write: the disk is full, read-only, or failing. */
const STORAGE_CODES = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN)/;

/** Whether SQLite refused a write because of the storage under it, not because of the statement. */
export function isStorageFailure(e: unknown): boolean {
  return e instanceof SQLiteError && STORAGE_CODES.test(e.code ?? "");
}

/**
 * A SQLite file opened with `bun:sqlite` the way Kiln's stores open theirs on Node: WAL,
 * synchronous=FULL (an acknowledged write survives a power loss), a busy timeout for the other
 * connections (the helper worker's), and its folder created.
 */
export function openBunSqlite(path: string): Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { create: true });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA busy_timeout = 5000");
  return db;
}
