import { HostCallError } from "../../errors.ts";
import type { KvStore } from "../../capabilities/kv-store.ts";
import { largeValues, type DenoKv } from "./deno-kv.ts";

interface Head {
  expiresAt: number | null;
  parts: number;
}

/**
 * The Deno `KvStore` on Deno KV (a local SQLite file, `KILN_DENO_KV_PATH`), beside the platform's
 * records in the same database. An entry is its head `["kv", namespace, key]` (expiry and part count)
 * and its value in parts (Deno KV takes 64 KiB per value). Expired entries are invisible, and
 * deleted when a new key is created (which counts the namespace's live keys against its quota). A
 * write commits only if the key's head is unchanged since it was read, and is retried otherwise.
 */
export class DenoKvStore implements KvStore {
  readonly #kv: DenoKv;

  constructor(kv: DenoKv) {
    this.#kv = kv;
  }

  async #head(namespace: string, key: string) {
    const head = await this.#kv.get<Head>(["kv", namespace, key]);
    const live = head.value !== null && (head.value.expiresAt === null || head.value.expiresAt > Date.now());
    return { head, live };
  }

  async get(namespace: string, key: string): Promise<string | undefined> {
    const { head, live } = await this.#head(namespace, key);
    if (!live) return undefined;
    return (await largeValues.get<string>(this.#kv, ["kvvalue", namespace, key]))?.value;
  }

  async set(namespace: string, key: string, value: string, options: { expiresAt: number | null; maxKeys: number }): Promise<"ok" | "quota"> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const { head, live } = await this.#head(namespace, key);
      if (!live && (await this.#purge(namespace)) >= options.maxKeys) return "quota";
      const op = this.#kv.atomic().check({ key: head.key, versionstamp: head.versionstamp });
      const parts = largeValues.set(op, ["kvvalue", namespace, key], value, head.value?.parts ?? 0);
      op.set(head.key, { expiresAt: options.expiresAt, parts } satisfies Head);
      if ((await this.#commit(op)).ok) return "ok";
    }
    throw new HostCallError("failed", "kv: too many concurrent writes to this key; nothing was stored");
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    const { head, live } = await this.#head(namespace, key);
    if (!head.value) return false;
    await this.#commit(largeValues.delete(this.#kv.atomic().check({ key: head.key, versionstamp: head.versionstamp }), ["kvvalue", namespace, key], head.value.parts).delete(head.key));
    return live;
  }

  async list(namespace: string, prefix: string, limit: number): Promise<string[]> {
    const keys: string[] = [];
    const now = Date.now();
    for await (const entry of this.#kv.list<Head>({ prefix: ["kv", namespace], start: ["kv", namespace, prefix] })) {
      const key = entry.key[2] as string;
      if (!key.startsWith(prefix) || keys.length >= limit) break;
      if (entry.value.expiresAt === null || entry.value.expiresAt > now) keys.push(key);
    }
    return keys;
  }

  /** Deletes the namespace's expired entries and recounts it; returns its live keys. */
  async #purge(namespace: string): Promise<number> {
    let live = 0;
    const now = Date.now();
    for await (const entry of this.#kv.list<Head>({ prefix: ["kv", namespace] })) {
      if (entry.value.expiresAt !== null && entry.value.expiresAt <= now) {
        await this.#commit(largeValues.delete(this.#kv.atomic().check({ key: entry.key, versionstamp: entry.versionstamp }), ["kvvalue", namespace, entry.key[2] as string], entry.value.parts).delete(entry.key));
      } else live++;
    }
    return live;
  }

  async #commit(op: ReturnType<DenoKv["atomic"]>): Promise<{ ok: boolean }> {
    try {
      return await op.commit();
    } catch (e) {
      throw new HostCallError("failed", `kv: the server's storage refused the write (${e instanceof Error ? e.message : String(e)}); nothing was stored`);
    }
  }

  dispose(): void {}

  [Symbol.dispose](): void {
    this.dispose();
  }
}
