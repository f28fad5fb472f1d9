/**
 * The platform store on Cloudflare: one SQLite-backed Durable Object (`KILN_PLATFORM`, class
 * `KilnPlatformObject`) holds tenants, scripts and sealed secrets, with the same tables and queries
 * as on Node. The Worker forwards each `PlatformStore` call to it over RPC.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformStore } from "../../platform/platform-store.ts";
import { SqlPlatformStore, type Row } from "../../platform/sql-platform-store.ts";

interface DoStorage {
  sql: { exec(query: string, ...bindings: unknown[]): { toArray(): Row[]; rowsWritten: number } };
  transactionSync<T>(fn: () => T): T;
}
interface PlatformNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): { call(method: string, args: unknown[]): Promise<unknown> };
}

type Method = Exclude<keyof PlatformStore, "dispose" | typeof Symbol.dispose>;
const METHODS: Method[] = [
  "createTenant", "getTenant", "findTenantByName", "listTenants", "updateTenant", "deleteTenant", "putSecret", "deleteSecret", "getSecrets", "deployScript",
  "getActiveScript", "getScriptVersion", "listScripts", "listVersions", "activateVersion", "deleteScript", "getMeta", "setMetaIfAbsent",
  "putComponent", "getComponent", "listComponents", "deleteComponent", "putRun", "getRun", "listRuns",
];

export class KilnPlatformObject extends DurableObject {
  #store: SqlPlatformStore | undefined;

  /** Runs one `PlatformStore` method on this object's SQLite database. */
  async call(method: string, args: unknown[]): Promise<unknown> {
    if (!(METHODS as string[]).includes(method)) throw new Error(`no such store method: ${method}`);
    const storage = (this.ctx as unknown as { storage: DoStorage }).storage;
    this.#store ??= new SqlPlatformStore({
      exec: (sql) => void storage.sql.exec(sql),
      all: (sql, ...args) => storage.sql.exec(sql, ...args).toArray(),
      run: (sql, ...args) => storage.sql.exec(sql, ...args).rowsWritten,
      transaction: (fn) => storage.transactionSync(fn),
    });
    return (this.#store[method as Method] as (...a: unknown[]) => Promise<unknown>)(...args);
  }
}

/** A `PlatformStore` client for the `KILN_PLATFORM` binding. */
export function durablePlatformStore(binding: PlatformNamespace): PlatformStore {
  const stub = () => binding.get(binding.idFromName("platform"));
  const store = Object.fromEntries(METHODS.map((m) => [m, (...args: unknown[]) => stub().call(m, args)]));
  return { ...store, dispose() {}, [Symbol.dispose]() {} } as unknown as PlatformStore;
}

/** True when `value` looks like a Durable Object namespace binding. */
export function isPlatformBinding(value: unknown): value is PlatformNamespace {
  return typeof (value as PlatformNamespace | undefined)?.idFromName === "function";
}
