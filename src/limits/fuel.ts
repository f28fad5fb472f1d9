/**
 * Fuel: a deterministic instruction budget.
 *
 * One unit is one poll of the engine's interrupt hook. For QuickJS that is about 10,000
 * interpreter ticks (roughly 5,000 iterations of a simple loop). The same code and input
 * from the same starting state always burn the same fuel.
 */
export class FuelMeter {
  #used = 0;
  constructor(readonly budget: number) {}

  /** Burns `units` and tells whether the budget is now exceeded. */
  burn(units = 1): boolean {
    this.#used += units;
    return this.#used > this.budget;
  }

  /** Fuel used, at most the budget (the poll that finds it exceeded is not counted). */
  get used(): number {
    return Math.min(this.#used, this.budget);
  }

  get exhausted(): boolean {
    return this.#used > this.budget;
  }
}
