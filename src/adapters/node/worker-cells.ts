/**
 * The cells a run worker shares with its pool (one SharedArrayBuffer each), read without a message:
 * the fuel its job used so far, whether the job's guest code started (Kiln's own setup is done: the
 * watchdog's deadline counts from then), and the claim on the job queued behind the running one.
 */
export const FUEL_CELL = 0;
export const STARTED_CELL = 1;
/**
 * The id of the job sent to a busy worker (worker-pool.ts queues one behind the running job), 0 once
 * claimed: by the worker when it starts the job, or by the pool when it takes the job back for a worker
 * that fell idle. Both claim with the same compare-and-exchange, so exactly one of them gets the job.
 */
export const CLAIM_CELL = 2;

/** The cells' size in bytes. */
export const SHARED_BYTES = 3 * Int32Array.BYTES_PER_ELEMENT;

/** Claims queued job `id` (the worker to run it, the pool to take it back); false when the other side had it. */
export function claimQueued(cells: Int32Array, id: number): boolean {
  return Atomics.compareExchange(cells, CLAIM_CELL, id, 0) === id;
}

/** Offers job `id` to be claimed (the pool, as it sends a queued job). */
export function offerQueued(cells: Int32Array, id: number): void {
  Atomics.store(cells, CLAIM_CELL, id);
}
