/** The part of Deno KV (`Deno.openKv`) Kiln's stores use, typed here: the project compiles with Node's types. */
export type KvKeyPart = string | number | bigint | boolean | Uint8Array;
export type KvKey = readonly KvKeyPart[];

export interface KvEntry<T> {
  key: KvKey;
  value: T;
  versionstamp: string;
}
export interface KvMaybe<T> {
  key: KvKey;
  value: T | null;
  versionstamp: string | null;
}

export interface KvAtomic {
  check(...checks: { key: KvKey; versionstamp: string | null }[]): KvAtomic;
  set(key: KvKey, value: unknown): KvAtomic;
  delete(key: KvKey): KvAtomic;
  commit(): Promise<{ ok: boolean }>;
}

export type KvSelector = { prefix: KvKey } | { prefix: KvKey; start: KvKey } | { prefix: KvKey; end: KvKey } | { start: KvKey; end: KvKey };

export interface DenoKv {
  get<T>(key: KvKey): Promise<KvMaybe<T>>;
  getMany<T>(keys: KvKey[]): Promise<KvMaybe<T>[]>;
  set(key: KvKey, value: unknown): Promise<{ ok: boolean }>;
  delete(key: KvKey): Promise<void>;
  list<T>(selector: KvSelector, options?: { limit?: number; reverse?: boolean }): AsyncIterable<KvEntry<T>>;
  atomic(): KvAtomic;
  close(): void;
}

declare const Deno: { openKv(path?: string): Promise<DenoKv>; mkdir(path: string, options: { recursive: boolean }): Promise<void> };

/** Opens (and creates) the Deno KV database at `path`, a local SQLite file, making its folder first. */
export async function openDenoKv(path: string): Promise<DenoKv> {
  const folder = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
  if (folder) await Deno.mkdir(folder, { recursive: true });
  return Deno.openKv(path);
}

/** Deno KV refuses values over 64 KiB: larger JSON is kept in parts of at most this many UTF-16 units (3 bytes each at most in UTF-8). */
export const PART = 20_000;

/**
 * Values of any size under `key` in one atomic operation: the JSON in parts under `[...key, i]` in the
 * `parts` space, and the part count under `key`. Writes go through `atomic` so readers see all or nothing.
 */
export const largeValues = {
  /** Adds the writes of `value` under `key` (replacing `oldParts` parts) to `op`; returns the new part count. */
  set(op: KvAtomic, key: KvKey, value: unknown, oldParts = 0): number {
    const json = JSON.stringify(value);
    const parts = Math.max(1, Math.ceil(json.length / PART));
    for (let i = 0; i < parts; i++) op.set(["parts", ...key, i], json.slice(i * PART, (i + 1) * PART));
    for (let i = parts; i < oldParts; i++) op.delete(["parts", ...key, i]);
    op.set(key, parts);
    return parts;
  },
  delete(op: KvAtomic, key: KvKey, parts: number): KvAtomic {
    for (let i = 0; i < parts; i++) op.delete(["parts", ...key, i]);
    return op.delete(key);
  },
  async get<T>(kv: DenoKv, key: KvKey): Promise<{ value: T; parts: number; versionstamp: string } | undefined> {
    const head = await kv.get<number>(key);
    if (head.value === null) return undefined;
    const keys = Array.from({ length: head.value }, (_, i) => ["parts", ...key, i]);
    const texts: string[] = [];
    // getMany takes at most 10 keys.
    for (let i = 0; i < keys.length; i += 10) for (const part of await kv.getMany<string>(keys.slice(i, i + 10))) texts.push(part.value ?? "");
    return { value: JSON.parse(texts.join("")) as T, parts: head.value, versionstamp: head.versionstamp! };
  },
};
