/**
 * Two Kiln nodes (two apps, each with its own platform, engine and Redis connection) sharing one
 * redis-server: a tenant's fuel quota and run history are the same on both. A tenant over its minute
 * budget gets 429 `quota_exceeded` on either node; a second tenant is unaffected.
 */
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedis, redisReady } from "../../../../src/adapters/node/redis/redis-connection.ts";
import { RedisCounterStore } from "../../../../src/adapters/node/redis/redis-counter-store.ts";
import { RedisPlatformStore } from "../../../../src/adapters/node/redis/redis-platform-store.ts";
import { loadConfig } from "../../../../src/config.ts";
import type { QuickJSEngine } from "../../../../src/engine/quickjs/quickjs-engine.ts";
import { createPlatform } from "../../../../src/platform/create-platform.ts";
import { createQuickJSEngine } from "../../../../src/quickjs-defaults.ts";
import { appWith, quickjsWasm } from "../../../helpers/fixtures.ts";
import { startRedisServer } from "../../../helpers/redis-server.ts";
import { hasService } from "../../../helpers/services.ts";

const withRedis = hasService("redis-server", "redis-server", "the two-node fuel quota tests");
const config = loadConfig({ KILN_ADMIN_TOKEN: "two-node-admin-token", KILN_JWT_KEY: "j".repeat(40), KILN_SECRET_KEY: "s".repeat(40) });
const admin = config.adminToken!;
let redis: Awaited<ReturnType<typeof startRedisServer>> | undefined;
const connections: Redis[] = [];
const engines: QuickJSEngine[] = [];
let nodes: Awaited<ReturnType<typeof appWith>>[] = [];

async function startNode() {
  const connection = connectRedis(redis!.url);
  connections.push(connection);
  await redisReady(connection);
  const platform = await createPlatform({ config, store: new RedisPlatformStore(connection), counters: new RedisCounterStore(connection) });
  const engine = createQuickJSEngine(await quickjsWasm());
  engines.push(engine);
  return appWith(engine, config, { platform });
}

beforeAll(async () => {
  if (!withRedis) return;
  redis = await startRedisServer();
  nodes = [await startNode(), await startNode()];
});
afterAll(() => {
  for (const e of engines) e.dispose();
  for (const c of connections) c.disconnect();
  redis?.stop();
});

const BURN = "export default () => { let s = 0; for (let i = 0; i < 200000; i++) s += i % 7; return s; }";

describe.skipIf(!withRedis)("two nodes on one Redis", () => {
  it("share a tenant's fuel quota: over it, 429 quota_exceeded on both; another tenant runs on", async () => {
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const create = async (name: string, quotas?: Record<string, number>) => (await a.request("/v1/tenants", { body: { name, ...(quotas && { quotas }) }, as: admin })).body;
    const probe = await create("probe");
    const cost = (await a.request("/v1/run", { body: { language: "javascript", code: BURN, limits: { fuel: 1_000 } }, as: probe.token })).body.usage.fuel as number;
    expect(cost).toBeGreaterThan(1);

    // Room for four runs; the tenant is created on one node, its quota changed through the other.
    const spender = await create("spender");
    expect((await b.request(`/v1/tenants/${spender.tenant.id}`, { method: "PATCH", body: { quotas: { fuelPerMinute: cost * 4 } }, as: admin })).status).toBe(200);
    const bystander = await create("bystander", { fuelPerMinute: cost * 4 });
    const run = (node: typeof a, token: string) => node.request("/v1/run", { body: { language: "javascript", code: BURN, limits: { fuel: cost } }, as: token });

    // Two runs on each node spend the budget between them.
    for (const node of [a, b, a, b]) expect((await run(node, spender.token)).status).toBe(200);
    for (const node of [a, b]) {
      const refused = await run(node, spender.token);
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe("quota_exceeded");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    for (const node of [a, b]) {
      const usage = (await node.request("/v1/usage", { as: spender.token })).body;
      expect(usage.minute).toMatchObject({ fuel: cost * 4, fuelQuota: cost * 4, runs: 4 });
    }
    // The other tenant, on either node, is unaffected.
    for (const node of [b, a]) expect((await run(node, bystander.token)).status).toBe(200);

    // Run history is shared too: each node lists the four runs, newest first, and reads any of them.
    const fromA = (await a.request("/v1/runs", { as: spender.token })).body.runs;
    const fromB = (await b.request("/v1/runs", { as: spender.token })).body.runs;
    expect(fromA).toHaveLength(4);
    expect(fromB).toEqual(fromA);
    expect((await b.request(`/v1/runs/${fromA[3].id}`, { as: spender.token })).body.result).toBeTypeOf("number");
    expect((await a.request(`/v1/runs/${fromA[3].id}`, { as: bystander.token })).status).toBe(404);
  });
});
