/**
 * The platform stores a Node server can use (memory, SQLite, Redis), each made fresh per call, for the
 * suites that run the same cases against every one. Calling it registers the hooks that start a
 * redis-server (where there is one) and clean up afterwards.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { RedisPlatformStore } from "../../src/adapters/node/redis/redis-platform-store.ts";
import { SqlitePlatformStore } from "../../src/adapters/node/sqlite-platform-store.ts";
import { MemoryPlatformStore } from "../../src/platform/memory-platform-store.ts";
import type { PlatformStore } from "../../src/platform/platform-store.ts";
import { suiteRedis } from "./redis-server.ts";

export function nodePlatformStores(suite: string): { stores: [string, () => PlatformStore | Promise<PlatformStore>][]; skip: (name: string) => boolean; redis: ReturnType<typeof suiteRedis> } {
  const dir = mkdtempSync(join(tmpdir(), "kiln-stores-"));
  const redis = suiteRedis(`RedisPlatformStore ${suite}`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const stores: [string, () => PlatformStore | Promise<PlatformStore>][] = [
    ["MemoryPlatformStore", () => new MemoryPlatformStore()],
    ["SqlitePlatformStore", () => new SqlitePlatformStore(join(dir, `${Math.random()}.sqlite`))],
    ["RedisPlatformStore", async () => new RedisPlatformStore(await redis.connect())],
  ];
  return { stores, skip: (name) => name.startsWith("Redis") && !redis.available, redis };
}
