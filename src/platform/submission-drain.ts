import { SubmissionConsumer } from "./submission-consumer.ts";
import type { SubmissionQueue } from "./submission-queue.ts";
import type { SubmissionRunner } from "./submission-runner.ts";

/**
 * Runs a queue's submissions in this process only while there are some: each `kick()` (after an
 * enqueue) starts a consumer unless one is going, and it ends once the queue is empty, so nothing
 * is left running between submissions. For an app without a consumer loop of its own (the edge
 * adapters, tests), over a `MemorySubmissionQueue`.
 */
export class SubmissionDrain {
  readonly #options: { queue: SubmissionQueue; runner: SubmissionRunner; leaseMs: number; onError?: (error: unknown) => void };
  #running: SubmissionConsumer | undefined;
  #again = false;

  constructor(options: { queue: SubmissionQueue; runner: SubmissionRunner; leaseMs: number; onError?: (error: unknown) => void }) {
    this.#options = options;
  }

  kick(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    const consumer = new SubmissionConsumer({ ...this.#options, concurrency: 1, untilIdle: true });
    this.#running = consumer;
    void consumer.done.then(() => {
      this.#running = undefined;
      // A submission may have been queued while the last claim came back empty: drain again.
      if (this.#again) {
        this.#again = false;
        this.kick();
      }
    });
  }

  /** Resolves once the queue has been drained (for tests). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running.done;
  }
}
