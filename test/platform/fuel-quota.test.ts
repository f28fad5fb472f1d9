/** Fuel quotas over the counter stores: budgets per minute and per day, the tenant's own over the server's, refusal with Retry-After, usage. */
import { describe, expect, it } from "vitest";
import { RedisCounterStore } from "../../src/adapters/node/redis/redis-counter-store.ts";
import { FuelQuota } from "../../src/platform/fuel-quota.ts";
import { MemoryCounterStore, type CounterStore } from "../../src/platform/run-guard.ts";
import { suiteRedis } from "../helpers/redis-server.ts";

const redis = suiteRedis("fuel quotas over RedisCounterStore");

const counterStores: [string, () => Promise<CounterStore>][] = [
  ["MemoryCounterStore", async () => new MemoryCounterStore()],
  ["RedisCounterStore", async () => new RedisCounterStore(await redis.connect())],
];

for (const [name, make] of counterStores) {
  describe.skipIf(name.startsWith("Redis") && !redis.available)(name, () => {
    it("adds amounts within a window", async () => {
      const counters = await make();
      expect((await counters.increment("k", 60_000, 250)).count).toBe(250);
      const { count, resetInMs } = await counters.increment("k", 60_000, 5);
      expect(count).toBe(255);
      expect(resetInMs).toBeGreaterThan(50_000);
      expect((await counters.increment("k", 60_000)).count).toBe(256);
    });

    it("admits runs while their fuel limit fits in what is left, then refuses with Retry-After", async () => {
      const quota = new FuelQuota(await make(), { fuelPerMinute: 100 });
      await quota.admit("t", undefined, 100);
      await quota.charge("t", 70);
      await quota.admit("t", undefined, 30);
      const refused = await quota.admit("t", undefined, 31).catch((e) => e);
      expect(refused).toMatchObject({ code: "quota_exceeded", status: 429 });
      expect(refused.message).toMatch(/31 fuel and 30 of the tenant's 100 per minute is left/);
      expect(refused.retryAfter).toBeGreaterThan(50);
      expect(refused.retryAfter).toBeLessThanOrEqual(60);
      await quota.charge("t", 30);
      expect(await quota.admit("t", undefined, 1).catch((e) => e.message)).toMatch(/budget of 100 per minute is spent/);
      // Another tenant has its own budget; a tenant's quota replaces the server's.
      await quota.admit("u", undefined, 100);
      await quota.admit("t", { fuelPerMinute: 1_000 }, 500);
      // A limit over the whole budget can never run: a 400 that says so.
      expect(await quota.admit("u", undefined, 101).catch((e) => e)).toMatchObject({ code: "invalid_request", status: 400 });
    });

    it("counts fuel and runs per minute and per day, with the day's budget apart", async () => {
      const quota = new FuelQuota(await make(), { fuelPerDay: 1_000 });
      expect(await quota.usage("t", undefined, 60)).toEqual({
        minute: { fuel: 0, fuelQuota: null, runs: 0, runsQuota: 60, resetsInSeconds: null },
        day: { fuel: 0, fuelQuota: 1_000, runs: 0, runsQuota: null, resetsInSeconds: null },
      });
      await quota.charge("t", 400);
      await quota.charge("t", 500);
      const usage = await quota.usage("t", { fuelPerMinute: 2_000 }, 5);
      expect(usage.minute).toMatchObject({ fuel: 900, fuelQuota: 2_000, runs: 2, runsQuota: 5 });
      expect(usage.day).toMatchObject({ fuel: 900, fuelQuota: 1_000, runs: 2, runsQuota: null });
      expect(usage.minute.resetsInSeconds).toBeLessThanOrEqual(60);
      expect(usage.day.resetsInSeconds).toBeGreaterThan(86_000);
      const refused = await quota.admit("t", undefined, 101).catch((e) => e);
      expect(refused).toMatchObject({ code: "quota_exceeded" });
      expect(refused.message).toMatch(/per day/);
      expect(refused.retryAfter).toBeGreaterThan(86_000);
      await quota.admit("t", undefined, 100);
    });
  });
}
