/**
 * The cases every KvStore passes, each on a fresh store from `make`: Node's vitest runs them per store
 * (kv-store.test.ts), and Deno and Bun run them on theirs (test/adapters/edge/store-cases.ts). Web APIs
 * only, so any runtime can import it.
 */
import { expect, it } from "vitest";
import type { KvStore } from "../../src/capabilities/kv-store.ts";

/** A write's options: the namespace's key quota and the expiry. */
export const opts = (maxKeys = 100, expiresAt: number | null = null) => ({ expiresAt, maxKeys });

export function kvStoreCases(make: () => KvStore | Promise<KvStore>): void {
  it("gets, sets, overwrites and deletes", async () => {
    using store = await make();
    expect(await store.get("n", "k")).toBeUndefined();
    expect(await store.set("n", "k", "v1", opts())).toBe("ok");
    expect(await store.set("n", "k", "v2", opts())).toBe("ok");
    expect(await store.get("n", "k")).toBe("v2");
    expect(await store.delete("n", "k")).toBe(true);
    expect(await store.delete("n", "k")).toBe(false);
  });

  it("lists by prefix in order, up to a limit, within one namespace", async () => {
    using store = await make();
    for (const k of ["b/2", "a/1", "b/1", "b/3", "c"]) await store.set("n", k, "v", opts());
    await store.set("other", "b/9", "v", opts());
    expect(await store.list("n", "b/", 10)).toEqual(["b/1", "b/2", "b/3"]);
    expect(await store.list("n", "b/", 2)).toEqual(["b/1", "b/2"]);
    expect(await store.list("n", "", 10)).toEqual(["a/1", "b/1", "b/2", "b/3", "c"]);
    expect(await store.list("n", "%", 10)).toEqual([]);
  });

  it("hides expired keys and does not count them against the quota", async () => {
    using store = await make();
    await store.set("n", "old", "v", opts(2, Date.now() - 1));
    expect(await store.get("n", "old")).toBeUndefined();
    expect(await store.list("n", "", 10)).toEqual([]);
    expect(await store.set("n", "a", "v", opts(2))).toBe("ok");
    expect(await store.set("n", "b", "v", opts(2))).toBe("ok");
    expect(await store.set("n", "c", "v", opts(2))).toBe("quota");
    expect(await store.set("n", "a", "changed", opts(2))).toBe("ok");
  });
}
