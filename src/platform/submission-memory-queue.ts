import type { Submission, SubmissionClaim, SubmissionQueue, SubmissionQueueOptions } from "./submission-queue.ts";

interface Entry {
  submission: Submission;
  state: "queued" | "running" | "done";
  attempts: number;
  leaseUntil: number;
  expiresAt: number;
}

/**
 * A submission queue in this process's memory: for the edge adapters (one isolate, nothing shared)
 * and tests. It keeps the lease and attempt rules of the durable queues, but its contents go with
 * the process.
 */
export class MemorySubmissionQueue implements SubmissionQueue {
  readonly #entries = new Map<string, Entry>();
  readonly #order: string[] = [];
  readonly #options: SubmissionQueueOptions;
  readonly #now: () => number;
  readonly #waiters = new Set<() => void>();
  #disposed = false;

  constructor(options: SubmissionQueueOptions, now: () => number = Date.now) {
    this.#options = options;
    this.#now = now;
  }

  async enqueue(submissions: readonly Submission[]): Promise<void> {
    for (const submission of submissions) {
      this.#entries.set(submission.token, { submission: structuredClone(submission), state: "queued", attempts: 0, leaseUntil: 0, expiresAt: Infinity });
      this.#order.push(submission.token);
    }
    this.#wakeAll();
  }

  #wakeAll(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  async store(submission: Submission): Promise<void> {
    this.#entries.set(submission.token, { submission: structuredClone(submission), state: "done", attempts: 1, leaseUntil: 0, expiresAt: this.#now() + this.#options.resultTtlSeconds * 1000 });
  }

  async get(tokens: readonly string[]): Promise<(Submission | undefined)[]> {
    const now = this.#now();
    return tokens.map((token) => {
      const entry = this.#entries.get(token);
      if (!entry || entry.expiresAt <= now) return undefined;
      return structuredClone(entry.submission);
    });
  }

  async claim(waitMs: number): Promise<SubmissionClaim | undefined> {
    const found = this.#take();
    if (found || waitMs <= 0 || this.#disposed) return found;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      this.#waiters.add(done);
    });
    return this.#take();
  }

  #take(): SubmissionClaim | undefined {
    const now = this.#now();
    for (const [token, entry] of this.#entries) if (entry.state === "done" && entry.expiresAt <= now) this.#entries.delete(token);
    for (const token of this.#order) {
      const entry = this.#entries.get(token);
      if (!entry || entry.state === "done") continue;
      if (entry.state === "running" && entry.leaseUntil > now) continue;
      entry.state = "running";
      entry.attempts += 1;
      entry.leaseUntil = now + this.#options.leaseMs;
      entry.submission.status_id = 2;
      entry.submission.started_at ??= new Date(now).toISOString();
      return { submission: structuredClone(entry.submission), attempt: entry.attempts, exhausted: entry.attempts > this.#options.maxAttempts };
    }
    return undefined;
  }

  async renew(claim: SubmissionClaim): Promise<void> {
    const entry = this.#entries.get(claim.submission.token);
    if (entry?.state === "running") entry.leaseUntil = this.#now() + this.#options.leaseMs;
  }

  async complete(claim: SubmissionClaim, finished: Submission): Promise<void> {
    const token = claim.submission.token;
    const entry = this.#entries.get(token);
    if (!entry || entry.state === "done") return;
    this.#entries.set(token, { submission: structuredClone(finished), state: "done", attempts: entry.attempts, leaseUntil: 0, expiresAt: this.#now() + this.#options.resultTtlSeconds * 1000 });
    const at = this.#order.indexOf(token);
    if (at >= 0) this.#order.splice(at, 1);
  }

  async pending(): Promise<number> {
    return [...this.#entries.values()].filter((e) => e.state !== "done").length;
  }

  dispose(): void {
    this.#disposed = true;
    this.#wakeAll();
  }
}
