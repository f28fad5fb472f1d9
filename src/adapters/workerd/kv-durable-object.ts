/**
 * `kv` on Cloudflare: one SQLite-backed Durable Object per Kiln namespace (the `KILN_KV` binding).
 * The object holds that namespace's keys; the Worker reaches it over Durable Object RPC.
 */
import { DurableObject } from "cloudflare:workers";
import type { KvStore } from "../../capabilities/kv-store.ts";

interface SqlStorage {
  exec(query: string, ...bindings: unknown[]): { toArray(): Record<string, unknown>[] };
}
interface DurableObjectNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): KilnKvObject;
}

const LIVE = "(expires_at IS NULL OR expires_at > ?)";

/** The Durable Object class: the same table and rules as the Node SQLite store, for one namespace. */
export class KilnKvObject extends DurableObject {
  #sql(): SqlStorage {
    const sql = (this.ctx as unknown as { storage: { sql: SqlStorage } }).storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER)");
    return sql;
  }

  async getValue(key: string): Promise<string | undefined> {
    const row = this.#sql().exec(`SELECT value FROM kv WHERE key = ? AND ${LIVE}`, key, Date.now()).toArray()[0];
    return row ? String(row.value) : undefined;
  }

  async setValue(key: string, value: string, expiresAt: number | null, maxKeys: number): Promise<"ok" | "quota"> {
    const sql = this.#sql();
    const now = Date.now();
    if (!sql.exec(`SELECT 1 FROM kv WHERE key = ? AND ${LIVE}`, key, now).toArray().length) {
      sql.exec("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?", now);
      if (Number(sql.exec("SELECT count(*) AS n FROM kv").toArray()[0]!.n) >= maxKeys) return "quota";
    }
    sql.exec("INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at", key, value, expiresAt);
    return "ok";
  }

  async deleteKey(key: string): Promise<boolean> {
    const found = this.#sql().exec(`SELECT 1 FROM kv WHERE key = ? AND ${LIVE}`, key, Date.now()).toArray().length > 0;
    this.#sql().exec("DELETE FROM kv WHERE key = ?", key);
    return found;
  }

  async listKeys(prefix: string, limit: number): Promise<string[]> {
    const rows = this.#sql().exec(`SELECT key FROM kv WHERE key >= ? AND key < ? AND ${LIVE} ORDER BY key LIMIT ?`, prefix, prefix + "\uffff", Date.now(), limit);
    return rows.toArray().map((r) => String(r.key));
  }
}

/** A `KvStore` over the `KILN_KV` Durable Object namespace binding. */
export class DurableObjectKvStore implements KvStore {
  constructor(readonly binding: DurableObjectNamespace) {}

  #object(namespace: string): KilnKvObject {
    return this.binding.get(this.binding.idFromName(namespace));
  }

  get(namespace: string, key: string) {
    return this.#object(namespace).getValue(key);
  }
  set(namespace: string, key: string, value: string, options: { expiresAt: number | null; maxKeys: number }) {
    return this.#object(namespace).setValue(key, value, options.expiresAt, options.maxKeys);
  }
  delete(namespace: string, key: string) {
    return this.#object(namespace).deleteKey(key);
  }
  list(namespace: string, prefix: string, limit: number) {
    return this.#object(namespace).listKeys(prefix, limit);
  }
  dispose(): void {}
  [Symbol.dispose](): void {}

  /** True when `value` looks like a Durable Object namespace binding. */
  static isBinding(value: unknown): value is DurableObjectNamespace {
    return typeof (value as DurableObjectNamespace | undefined)?.idFromName === "function";
  }
}
