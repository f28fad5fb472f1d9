import { RequestError } from "../errors.ts";
import type { TenantQuotas } from "./platform-store.ts";
import type { CounterStore, RunGuard, RunGuardLimits } from "./run-guard.ts";

/** The server's fuel budgets per tenant (`KILN_FUEL_PER_MINUTE`, `KILN_FUEL_PER_DAY`); absent: unlimited. */
export type FuelBudgets = Pick<RunGuardLimits, "fuelPerMinute" | "fuelPerDay">;

const WINDOWS = [
  { name: "minute", ms: 60_000, quota: "fuelPerMinute" },
  { name: "day", ms: 86_400_000, quota: "fuelPerDay" },
] as const;
type WindowName = (typeof WINDOWS)[number]["name"];

/** A tenant's spending in one window, as `GET /v1/usage` shows it. */
export interface WindowUsage {
  fuel: number;
  /** Null: unlimited. */
  fuelQuota: number | null;
  runs: number;
  /** Null: unlimited. */
  runsQuota: number | null;
  /** Seconds until the window's counters start again from zero; null when no run ended in it. */
  resetsInSeconds: number | null;
}

const fuelKey = (window: WindowName, tenantId: string) => `fuel:${window}:${tenantId}`;
const runsKey = (window: WindowName, tenantId: string) => `runs:${window}:${tenantId}`;

/**
 * Fuel quotas per tenant: budgets of fuel per minute and per day, the tenant's own (its quotas) or the
 * server's. Counted in fixed windows (each opens at the first run that ends in it) in the same
 * `CounterStore` as the rate limits, so every node sharing Redis shares them. A run's fuel is charged
 * when it ends (a run the watchdog stopped, whose count was lost, is charged its whole limit). A run is
 * admitted only while what its tenant spent in each window is under the budget, and only if its own
 * fuel limit fits in what is left: a run is refused rather than given less fuel than it asked for, so
 * the same run never ends differently because of what other runs spent.
 */
export class FuelQuota {
  /** The fuel quotas over a guard's counters, with its server budgets. */
  static of(guard: RunGuard): FuelQuota {
    return new FuelQuota(guard.counters, guard.limits);
  }

  constructor(
    readonly counters: CounterStore,
    readonly budgets: FuelBudgets,
  ) {}

  /** The tenant's budget in each window: its own, else the server's; undefined: unlimited. */
  budget(quotas: TenantQuotas | undefined, window: WindowName): number | undefined {
    const { quota } = WINDOWS.find((w) => w.name === window)!;
    return quotas?.[quota] ?? this.budgets[quota];
  }

  /** Refuses a run (429 `quota_exceeded`, with the seconds until the window resets) when its fuel limit does not fit in what is left. */
  async admit(tenantId: string, quotas: TenantQuotas | undefined, fuelLimit: number): Promise<void> {
    for (const { name } of WINDOWS) {
      const budget = this.budget(quotas, name);
      if (budget === undefined) continue;
      if (fuelLimit > budget) {
        throw new RequestError("invalid_request", `limits.fuel: ${fuelLimit} is more than the tenant's whole fuel budget per ${name} (${budget}); ask for at most ${budget}`);
      }
      const spent = await this.counters.get(fuelKey(name, tenantId));
      if (!spent) continue;
      const left = Math.max(0, budget - spent.count);
      if (fuelLimit > left) {
        const why = left === 0 ? `the tenant's fuel budget of ${budget} per ${name} is spent` : `this run may burn ${fuelLimit} fuel and ${left} of the tenant's ${budget} per ${name} is left`;
        throw new RequestError("quota_exceeded", `Fuel quota exceeded: ${why}`, Math.max(1, spent.resetInMs / 1000));
      }
    }
  }

  /** Charges a run that ended: its fuel, and one run, in every window. */
  async charge(tenantId: string, fuel: number): Promise<void> {
    await Promise.all(
      WINDOWS.flatMap(({ name, ms }) => [this.counters.increment(fuelKey(name, tenantId), ms, Math.max(0, Math.ceil(fuel))), this.counters.increment(runsKey(name, tenantId), ms)]),
    );
  }

  /** The tenant's fuel and runs in the current minute and day, with their quotas (`runsPerMinute`: its rate limit). */
  async usage(tenantId: string, quotas: TenantQuotas | undefined, runsPerMinute: number): Promise<Record<WindowName, WindowUsage>> {
    const entries = await Promise.all(
      WINDOWS.map(async ({ name }) => {
        const [fuel, runs] = await Promise.all([this.counters.get(fuelKey(name, tenantId)), this.counters.get(runsKey(name, tenantId))]);
        const open = fuel ?? runs;
        const usage: WindowUsage = {
          fuel: fuel?.count ?? 0,
          fuelQuota: this.budget(quotas, name) ?? null,
          runs: runs?.count ?? 0,
          runsQuota: name === "minute" ? runsPerMinute : null,
          resetsInSeconds: open ? Math.ceil(open.resetInMs / 1000) : null,
        };
        return [name, usage] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<WindowName, WindowUsage>;
  }
}
