/**
 * The shared store cases (platform-store-cases.ts, run-history-cases.ts, kv-store-cases.ts) on Deno's and Bun's own stores,
 * run by Deno or Bun themselves, since those stores need their runtime, with `vitest` resolved to
 * vitest-shim.ts (Deno: vitest-import-map.json; Bun: the loader below). One fresh database per case in
 * the folder given as the first argument. Prints one JSON line per case (`{store, name, error?}`) and a
 * last `{done}`; edge-stores.test.ts runs it and reports each case.
 */
import { recorded } from "./vitest-shim.ts";
import type { PlatformStore } from "../../../src/platform/platform-store.ts";
import type { KvStore } from "../../../src/capabilities/kv-store.ts";

declare const Deno: { args: string[] } | undefined;
declare const Bun: { plugin(plugin: { name: string; setup(build: { onLoad(options: { filter: RegExp }, load: (args: { path: string }) => { contents: string; loader: "js" }): void }): void }): void } | undefined;

const onDeno = typeof Deno !== "undefined";
// On Bun, `vitest` (node_modules/vitest/dist/index.js) loads as a re-export of the shim.
if (!onDeno) {
  const shim = new URL("./vitest-shim.ts", import.meta.url).pathname;
  Bun!.plugin({ name: "vitest-shim", setup: (build) => build.onLoad({ filter: /[\\/]node_modules[\\/]vitest[\\/]dist[\\/]index\.js$/ }, () => ({ contents: `export * from ${JSON.stringify(shim)};`, loader: "js" })) });
}
const dir = onDeno ? Deno!.args[0] : (globalThis as unknown as { process: { argv: string[] } }).process.argv[2];
if (!dir) throw new Error("store-cases.ts: give a scratch folder");
let serial = 0;
const fresh = () => `${dir}/${++serial}`;

const { platformStoreCases } = await import("../../platform/platform-store-cases.ts");
const { kvStoreCases } = await import("../../capabilities/kv-store-cases.ts");
const { runHistoryCases } = await import("../../platform/run-history-cases.ts");
type Suite = { store: string; cases: () => void; after?: () => void };
const suites: Suite[] = [];

if (onDeno) {
  const { openDenoKv } = await import("../../../src/adapters/deno/deno-kv.ts");
  const { DenoKvPlatformStore } = await import("../../../src/adapters/deno/deno-kv-platform-store.ts");
  const { DenoKvStore } = await import("../../../src/adapters/deno/deno-kv-store.ts");
  // A DenoKvStore does not own its connection (the platform store beside it does): each case's is closed after it.
  const opened: Awaited<ReturnType<typeof openDenoKv>>[] = [];
  const openKv = async () => opened[opened.push(await openDenoKv(fresh())) - 1]!;
  suites.push(
    { store: "DenoKvPlatformStore", cases: () => platformStoreCases(async (): Promise<PlatformStore> => new DenoKvPlatformStore(await openDenoKv(fresh()))) },
    { store: "DenoKvPlatformStore", cases: () => runHistoryCases(async (): Promise<PlatformStore> => new DenoKvPlatformStore(await openDenoKv(fresh()))) },
    { store: "DenoKvStore", cases: () => kvStoreCases(async (): Promise<KvStore> => new DenoKvStore(await openKv())), after: () => opened.splice(0).forEach((kv) => kv.close()) },
  );
} else {
  const { openBunSqlite } = await import("../../../src/adapters/bun/bun-sqlite.ts");
  const { BunSqlitePlatformStore } = await import("../../../src/adapters/bun/bun-sqlite-platform-store.ts");
  const { BunSqliteKvStore } = await import("../../../src/adapters/bun/bun-sqlite-kv-store.ts");
  const opened: ReturnType<typeof openBunSqlite>[] = [];
  const openDb = () => opened[opened.push(openBunSqlite(`${fresh()}.sqlite`)) - 1]!;
  suites.push(
    { store: "BunSqlitePlatformStore", cases: () => platformStoreCases((): PlatformStore => new BunSqlitePlatformStore(openBunSqlite(`${fresh()}.sqlite`))) },
    { store: "BunSqlitePlatformStore", cases: () => runHistoryCases((): PlatformStore => new BunSqlitePlatformStore(openBunSqlite(`${fresh()}.sqlite`))) },
    { store: "BunSqliteKvStore", cases: () => kvStoreCases((): KvStore => new BunSqliteKvStore(openDb())), after: () => opened.splice(0).forEach((db) => db.close()) },
  );
}

for (const { store, cases, after } of suites) {
  recorded.length = 0;
  cases();
  for (const { name, run } of recorded.splice(0)) {
    try {
      await run();
      console.log(JSON.stringify({ store, name }));
    } catch (e) {
      console.log(JSON.stringify({ store, name, error: e instanceof Error ? `${e.message}\n${e.stack ?? ""}`.slice(0, 2000) : String(e) }));
    } finally {
      after?.();
    }
  }
}
console.log(JSON.stringify({ done: true }));
