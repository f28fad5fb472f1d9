/**
 * The shared store cases (test/platform/platform-store-cases.ts, run-history-cases.ts, test/capabilities/kv-store-cases.ts), which
 * Node's vitest runs on the memory, SQLite and Redis stores, run on Deno's stores (Deno KV) by Deno and on
 * Bun's (bun:sqlite) by Bun: store-cases.ts under each runtime, one line per case, each reported here
 * as a test of its own. Also `npm run test:edge`.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = new URL("../../../", import.meta.url);
const bin = (name: string) => new URL(`node_modules/.bin/${name}`, ROOT).pathname;
const script = "test/adapters/edge/store-cases.ts";
const dir = mkdtempSync(join(tmpdir(), "kiln-edge-stores-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runtimes: Record<string, [string, string[]]> = {
  deno: [bin("deno"), ["run", "--unstable-kv", "--import-map", "test/adapters/edge/vitest-import-map.json", "--allow-read", "--allow-write", "--allow-env", script, join(dir, "deno")]],
  bun: [bin("bun"), [script, join(dir, "bun")]],
};

type Line = { store: string; name: string; error?: string } | { done: true };
/** Each runtime's lines, or the reason it gave none (both run at once, while vitest collects this file). */
const results = Object.fromEntries(
  await Promise.all(
    Object.entries(runtimes).map(async ([runtime, [command, args]]) => {
      try {
        const { stdout } = await promisify(execFile)(command, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, timeout: 240_000, maxBuffer: 16 << 20 });
        return [runtime, stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Line)] as const;
      } catch (e) {
        return [runtime, `${runtime} ${script} failed: ${(e as Error).message.slice(0, 4000)}`] as const;
      }
    }),
  ),
) as Record<string, Line[] | string>;

const cases = (runtime: string) => (typeof results[runtime] === "string" ? [] : (results[runtime] as Line[]).filter((l): l is Exclude<Line, { done: true }> => "store" in l));
const stores = { deno: ["DenoKvPlatformStore", "DenoKvStore"], bun: ["BunSqlitePlatformStore", "BunSqliteKvStore"] } as const;

for (const runtime of Object.keys(runtimes) as (keyof typeof stores)[]) {
  describe(`${runtime}: the shared store cases`, () => {
    it("ran every case to the end", () => {
      expect(typeof results[runtime] === "string" ? results[runtime] : "").toBe("");
      expect((results[runtime] as Line[]).at(-1)).toEqual({ done: true });
      // The same cases on each runtime's platform store and kv store (the case modules define them once).
      const names = (store: string) => cases(runtime).filter((c) => c.store === store).map((c) => c.name);
      expect(names(stores[runtime][0]).length).toBeGreaterThanOrEqual(15);
      expect(names(stores[runtime][1]).length).toBeGreaterThanOrEqual(3);
      expect(names(stores[runtime][0])).toEqual(cases(runtime === "deno" ? "bun" : "deno").filter((c) => c.store === stores[runtime === "deno" ? "bun" : "deno"][0]).map((c) => c.name));
    });
    for (const { store, name, error } of cases(runtime)) {
      it(`${store}: ${name}`, () => {
        if (error) throw new Error(error);
      });
    }
  });
}
