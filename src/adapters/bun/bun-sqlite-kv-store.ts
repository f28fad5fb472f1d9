import type { Database } from "bun:sqlite";
import { HostCallError } from "../../errors.ts";
import type { KvStore } from "../../capabilities/kv-store.ts";
import { isStorageFailure } from "./bun-sqlite.ts";

/** A write; a full or failing disk is the guest's `failed` HostError (nothing was written), not a host bug. */
function writing<T>(write: () => T): T {
  try {
    return write();
  } catch (e) {
    if (isStorageFailure(e)) throw new HostCallError("failed", "kv: the server's storage is full or cannot be written; nothing was stored");
    throw e;
  }
}

const LIVE = "(expires_at IS NULL OR expires_at > ?)";

/**
 * The Bun `KvStore` over `bun:sqlite`: the `kv` table of Node's SQLite store, in the same file
 * (`KILN_DB_PATH`), so one file moves between the two. Expired rows are invisible and purged as a
 * new key is counted against the namespace's quota.
 */
export class BunSqliteKvStore implements KvStore {
  readonly #db: Database;
  readonly #setTx: ((ns: string, key: string, value: string, expiresAt: number | null, maxKeys: number) => "ok" | "quota") & { immediate(ns: string, key: string, value: string, expiresAt: number | null, maxKeys: number): "ok" | "quota" };

  constructor(db: Database) {
    this.#db = db;
    db.exec(`CREATE TABLE IF NOT EXISTS kv (
      ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER,
      PRIMARY KEY (ns, key)) WITHOUT ROWID`);
    this.#setTx = db.transaction((ns: string, key: string, value: string, expiresAt: number | null, maxKeys: number): "ok" | "quota" => {
      const now = Date.now();
      if (!db.query(`SELECT 1 FROM kv WHERE ns = ? AND key = ? AND ${LIVE}`).get(ns, key, now)) {
        db.prepare("DELETE FROM kv WHERE ns = ? AND expires_at IS NOT NULL AND expires_at <= ?").run(ns, now);
        if (db.query<{ n: number }>(`SELECT count(*) AS n FROM kv WHERE ns = ? AND ${LIVE}`).get(ns, now)!.n >= maxKeys) return "quota";
      }
      db.prepare("INSERT INTO kv (ns, key, value, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at").run(ns, key, value, expiresAt);
      return "ok";
    });
  }

  async get(namespace: string, key: string): Promise<string | undefined> {
    return this.#db.query<{ value: string }>(`SELECT value FROM kv WHERE ns = ? AND key = ? AND ${LIVE}`).get(namespace, key, Date.now())?.value;
  }

  async set(namespace: string, key: string, value: string, options: { expiresAt: number | null; maxKeys: number }): Promise<"ok" | "quota"> {
    return writing(() => this.#setTx.immediate(namespace, key, value, options.expiresAt, options.maxKeys));
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    return writing(() => this.#db.prepare(`DELETE FROM kv WHERE ns = ? AND key = ? AND ${LIVE}`).run(namespace, key, Date.now()).changes > 0);
  }

  async list(namespace: string, prefix: string, limit: number): Promise<string[]> {
    // Keys in [prefix, prefix + U+FFFF) start with prefix; the range keeps the primary key index usable.
    return this.#db.query<{ key: string }>(`SELECT key FROM kv WHERE ns = ? AND key >= ? AND key < ? AND ${LIVE} ORDER BY key LIMIT ?`).all(namespace, prefix, prefix + "\uffff", Date.now(), limit).map((r) => r.key);
  }

  /** The connection is the adapter's (shared with the platform store), closed there. */
  dispose(): void {}

  [Symbol.dispose](): void {
    this.dispose();
  }
}
