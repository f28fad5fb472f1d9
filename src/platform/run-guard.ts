import { RequestError } from "../errors.ts";

export interface RunGuardLimits {
  /** Runs per minute per tenant, and per deployed script. */
  tenantPerMinute: number;
  scriptPerMinute: number;
  /** Traps (fuel, memory, timeout) within `quarantineWindowMs` that quarantine a script. */
  quarantineThreshold: number;
  quarantineWindowMs: number;
  /** Runs of the same ad-hoc code within `quarantineWindowMs` that the watchdog had to stop, which quarantine that code for the tenant. */
  stoppedThreshold: number;
  /** Fuel per tenant per minute and per day (`KILN_FUEL_PER_MINUTE`, `KILN_FUEL_PER_DAY`); absent: unlimited. Enforced by `FuelQuota` (fuel-quota.ts) over the same counters. */
  fuelPerMinute?: number;
  fuelPerDay?: number;
}

/**
 * Rate limits and quarantine. Fixed one-minute windows per tenant and per script; a script whose
 * runs keep ending in fuel_exhausted, memory_exhausted or timeout is refused (423) until its window
 * ends or it is redeployed. Ad-hoc code (`POST /v1/run`) whose runs the watchdog keeps having to stop
 * (a native call that never polls the meter: the sandbox is thrown away and replaced, which costs
 * every other run seconds) is refused (423) for the tenant until its window ends; other traps of
 * ad-hoc code are the caller's business (a judge's time limit) and never quarantine it.
 * The counters live behind `CounterStore`, in memory or in Redis.
 */
export interface CounterStore {
  /** Adds `amount` (default one) to `key`, which expires `windowMs` after its first increment; returns the new count and ms left. */
  increment(key: string, windowMs: number, amount?: number): Promise<{ count: number; resetInMs: number }>;
  get(key: string): Promise<{ count: number; resetInMs: number } | undefined>;
  delete(key: string): Promise<void>;
}

/** A `CounterStore` within one process. */
export class MemoryCounterStore implements CounterStore {
  readonly #counters = new Map<string, { count: number; resetAt: number }>();

  async increment(key: string, windowMs: number, amount = 1) {
    const now = Date.now();
    let c = this.#counters.get(key);
    if (!c || c.resetAt <= now) c = { count: 0, resetAt: now + windowMs };
    c.count += amount;
    this.#counters.set(key, c);
    return { count: c.count, resetInMs: c.resetAt - now };
  }
  async get(key: string) {
    const c = this.#counters.get(key);
    return c && c.resetAt > Date.now() ? { count: c.count, resetInMs: c.resetAt - Date.now() } : undefined;
  }
  async delete(key: string) {
    this.#counters.delete(key);
  }
}

const TRAPS = new Set(["fuel_exhausted", "memory_exhausted", "timeout"]);

export class RunGuard {
  constructor(
    readonly counters: CounterStore,
    readonly limits: RunGuardLimits,
  ) {}

  /**
   * Counts a run against the script's rate and then the tenant's, refusing it when over, or when the
   * script is quarantined (which counts against neither). `tenantPerMinute` is the tenant's own quota,
   * in place of the server's.
   */
  async admit(tenantId: string, script?: string, tenantPerMinute = this.limits.tenantPerMinute): Promise<void> {
    if (script) {
      const trapped = await this.counters.get(`q:${tenantId}:${script}`);
      if (trapped && trapped.count >= this.limits.quarantineThreshold) {
        throw new RequestError(
          "quarantined",
          `The script '${script}' is quarantined: ${trapped.count} runs ended in a trap within ${this.limits.quarantineWindowMs / 1000} s. Redeploy it or wait.`,
          trapped.resetInMs / 1000,
        );
      }
    }
    // The script's limit first: a run it refuses never reaches (or counts against) the tenant's.
    const checks: [string, number][] = [[`r:${tenantId}`, tenantPerMinute]];
    if (script) checks.unshift([`r:${tenantId}:${script}`, this.limits.scriptPerMinute]);
    for (const [key, max] of checks) {
      const { count, resetInMs } = await this.counters.increment(key, 60_000);
      if (count > max) throw new RequestError("rate_limited", `More than ${max} runs per minute${key.split(":").length > 2 ? " for this script" : ""}`, resetInMs / 1000);
    }
  }

  /**
   * Refuses ad-hoc code (by its `codeKey`, a hash) that the watchdog stopped `stoppedThreshold` times
   * within the window. The key is asked for only when the tenant had a run stopped lately: for nearly
   * every run the check is a look at the tenant's marks, not a digest of the code.
   */
  async admitCode(tenantId: string, codeKey: () => Promise<string>): Promise<void> {
    if (!(await this.#stoppedLately(tenantId))) return;
    const stopped = await this.counters.get(`qc:${tenantId}:${await codeKey()}`);
    if (stopped && stopped.count >= this.limits.stoppedThreshold) {
      throw new RequestError(
        "quarantined",
        `This code is quarantined: ${stopped.count} of its runs within ${this.limits.quarantineWindowMs / 1000} s ran past their deadline inside a call that never yields, and their sandboxes had to be stopped. Change it or wait.`,
        stopped.resetInMs / 1000,
      );
    }
  }

  /** Records that the watchdog stopped a run of ad-hoc code, and marks its tenant (see #stoppedLately). */
  async recordStopped(tenantId: string, codeKey: string): Promise<void> {
    const window = this.limits.quarantineWindowMs;
    await this.counters.increment(`qc:${tenantId}:${codeKey}`, window);
    await this.counters.increment(`qs:${tenantId}:${Math.floor(Date.now() / window)}`, 2 * window);
  }

  /**
   * Whether a code's counter of this tenant may still be live: a stop in window-long period p marks p
   * for two windows, so its code's counter (one window from its first stop, at most one period back)
   * never outlives the marks of this period and the one before.
   */
  async #stoppedLately(tenantId: string): Promise<boolean> {
    const period = Math.floor(Date.now() / this.limits.quarantineWindowMs);
    return (await this.counters.get(`qs:${tenantId}:${period}`)) !== undefined || (await this.counters.get(`qs:${tenantId}:${period - 1}`)) !== undefined;
  }

  /** Records how a script's run ended; traps count toward quarantine. */
  async record(tenantId: string, script: string, code: string | undefined): Promise<void> {
    if (code && TRAPS.has(code)) await this.counters.increment(`q:${tenantId}:${script}`, this.limits.quarantineWindowMs);
  }

  /** A redeploy lifts quarantine. */
  async clear(tenantId: string, script: string): Promise<void> {
    await this.counters.delete(`q:${tenantId}:${script}`);
  }
}
