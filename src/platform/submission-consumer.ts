import type { HttpTransport } from "../capabilities/http-transport.ts";
import type { Config } from "../config.ts";
import type { Engine } from "../engine/engine.ts";
import { LanguageRegistry } from "./language-registry.ts";
import type { Platform } from "./platform.ts";
import { Runs } from "./runs.ts";
import type { SubmissionQueue, SubmissionClaim } from "./submission-queue.ts";
import { SubmissionRunner } from "./submission-runner.ts";

/**
 * The loop that takes queued submissions and runs them, `concurrency` at a time, on whichever node
 * it runs: it claims one, renews the claim while the run goes on (every third of the lease), stores
 * the result and acknowledges it. `stop()` (or `await using`) ends the loops once their current runs
 * are done; a run cut off by the process dying stays claimed until its lease ends, then runs again
 * or ends with Internal Error.
 */
export class SubmissionConsumer implements AsyncDisposable {
  readonly #queue: SubmissionQueue;
  readonly #runner: SubmissionRunner;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #loops: Promise<void>[] = [];
  readonly #onError: (error: unknown) => void;
  readonly #untilIdle: boolean;
  #stopping = false;

  /** `untilIdle`: the loops end as soon as the queue has nothing to claim (see `SubmissionDrain`). */
  constructor(options: { queue: SubmissionQueue; runner: SubmissionRunner; concurrency: number; leaseMs: number; pollMs?: number; untilIdle?: boolean; onError?: (error: unknown) => void }) {
    this.#untilIdle = options.untilIdle ?? false;
    this.#queue = options.queue;
    this.#runner = options.runner;
    this.#leaseMs = options.leaseMs;
    this.#pollMs = options.pollMs ?? 1_000;
    this.#onError = options.onError ?? ((e) => console.error("submission consumer", e));
    for (let i = 0; i < Math.max(1, options.concurrency); i++) this.#loops.push(this.#loop());
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      let claim: SubmissionClaim | undefined;
      try {
        claim = await this.#queue.claim(this.#untilIdle ? 0 : this.#pollMs);
      } catch (e) {
        // The queue's storage is down (Redis restarting): wait a poll and try again.
        this.#onError(e);
        await new Promise((r) => setTimeout(r, this.#pollMs));
        continue;
      }
      if (!claim) {
        if (this.#untilIdle) return;
        continue;
      }
      await this.#handle(claim);
    }
  }

  async #handle(claim: SubmissionClaim): Promise<void> {
    const renew = setInterval(() => void this.#queue.renew(claim).catch(this.#onError), Math.max(50, Math.floor(this.#leaseMs / 3)));
    try {
      const finished = await this.#runner.finish(claim.submission, { number: claim.attempt, exhausted: claim.exhausted });
      await this.#queue.complete(claim, finished);
    } catch (e) {
      // Not completed: the claim's lease runs out and the submission is tried again.
      this.#onError(e);
    } finally {
      clearInterval(renew);
    }
  }

  /** Resolves once every loop has ended (with `untilIdle`, when the queue is empty). */
  get done(): Promise<void> {
    return Promise.all(this.#loops).then(() => undefined);
  }

  /** Stops taking submissions; resolves once the runs in progress are done. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#loops);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * The consumer a server runs beside its app: its own `Runs` over the same engines and platform (so
 * runs from the queue meet the same rate limits, quarantine and log stream), `config.workers` runs
 * at a time.
 */
export function startSubmissionConsumer(options: {
  config: Config;
  platform: Platform;
  engines: readonly Engine[];
  queue: SubmissionQueue;
  transport?: HttpTransport;
  onError?: (error: unknown) => void;
}): SubmissionConsumer {
  const { config, platform, queue } = options;
  const languages = new LanguageRegistry(options.engines, { maxMemoryMb: config.maxima.memoryMb });
  const runner = new SubmissionRunner({ config, platform, languages, runs: new Runs({ config, languages, platform }), transport: options.transport });
  return new SubmissionConsumer({ queue, runner, concurrency: config.workers, leaseMs: config.submissions.leaseMs, onError: options.onError });
}
