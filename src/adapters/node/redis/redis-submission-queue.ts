import type { Redis } from "ioredis";
import type { Submission, SubmissionClaim, SubmissionQueue, SubmissionQueueOptions } from "../../../platform/submission-queue.ts";
import { viaRedis } from "./redis-connection.ts";

const STREAM = "kiln:submissions:stream";
const GROUP = "kiln-submissions";
const record = (token: string) => `kiln:submission:${token}`;
const attempts = (token: string) => `kiln:submission-attempts:${token}`;

type Entry = [id: string, fields: string[] | null];

/**
 * The queue every node shares through Redis, on a Redis Stream with one consumer group: each node
 * is a consumer (its own name, per process). Enqueueing stores the submission and appends its token
 * to the stream in one MULTI; `XREADGROUP` hands each entry to one node, which renews its claim
 * (`XCLAIM … JUSTID`, resetting the idle time) while it runs, and `XACK`s and deletes it once the
 * result is stored. An entry whose node died stays pending in the group; once idle for the lease,
 * any node's `XAUTOCLAIM` takes it over. Attempts are counted per token; past the last, the
 * submission ends with Internal Error.
 *
 * Why Streams and not BullMQ: the consumer group is exactly the semantics needed (one delivery per
 * entry, pending entries kept per consumer, takeover of a dead consumer's entries by idle time), it
 * needs only the ioredis connections Kiln already has, and it adds no dependency with its own Lua
 * scripts, key layout and worker process model on top of the queue Kiln's consumer loop already is.
 *
 * `blocking` is a connection of its own: `XREADGROUP … BLOCK` holds it while it waits. The queue
 * owns both connections and closes them on `dispose()`.
 */
export class RedisSubmissionQueue implements SubmissionQueue {
  readonly #redis: Redis;
  readonly #blocking: Redis;
  readonly #options: SubmissionQueueOptions;
  readonly #consumer = `node-${crypto.randomUUID()}`;
  /** The stream entry of each submission this node holds. */
  readonly #entries = new Map<string, string>();
  #group: Promise<void> | undefined;

  constructor(redis: Redis, blocking: Redis, options: SubmissionQueueOptions) {
    this.#redis = redis;
    this.#blocking = blocking;
    this.#options = options;
  }

  #ensureGroup(): Promise<void> {
    this.#group ??= this.#redis.xgroup("CREATE", STREAM, GROUP, "0", "MKSTREAM").then(
      () => undefined,
      (e: Error) => {
        if (/BUSYGROUP/.test(e.message)) return;
        this.#group = undefined;
        throw e;
      },
    );
    return this.#group;
  }

  async enqueue(submissions: readonly Submission[]): Promise<void> {
    await viaRedis(async () => {
      const multi = this.#redis.multi();
      for (const s of submissions) {
        multi.set(record(s.token), JSON.stringify(s));
        multi.xadd(STREAM, "*", "token", s.token);
      }
      const results = await multi.exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw failed?.[0] ?? new Error("redis: the MULTI was discarded");
    });
  }

  async store(submission: Submission): Promise<void> {
    await viaRedis(() => this.#redis.set(record(submission.token), JSON.stringify(submission), "EX", this.#options.resultTtlSeconds));
  }

  async get(tokens: readonly string[]): Promise<(Submission | undefined)[]> {
    if (tokens.length === 0) return [];
    const values = await viaRedis(() => this.#redis.mget(...tokens.map(record)));
    return values.map((v) => (v === null ? undefined : (JSON.parse(v) as Submission)));
  }

  async claim(waitMs: number): Promise<SubmissionClaim | undefined> {
    try {
      return await this.#claim(waitMs);
    } catch (e) {
      // Redis lost the group (restarted without persistence): make it again at the next claim.
      if (e instanceof Error && /NOGROUP/.test(e.message)) this.#group = undefined;
      throw e;
    }
  }

  async #claim(waitMs: number): Promise<SubmissionClaim | undefined> {
    await viaRedis(() => this.#ensureGroup());
    // First an entry whose node stopped renewing it (a dead consumer's), then a new one.
    const stale = (await viaRedis(() => this.#redis.xautoclaim(STREAM, GROUP, this.#consumer, this.#options.leaseMs, "0-0", "COUNT", 1))) as [string, Entry[], string[]?];
    for (const entry of stale[1]) {
      const claim = await this.#take(entry);
      if (claim) return claim;
    }
    const read = (await viaRedis(() =>
      this.#blocking.xreadgroup("GROUP", GROUP, this.#consumer, "COUNT", 1, "BLOCK", Math.max(1, waitMs), "STREAMS", STREAM, ">"),
    )) as [string, Entry[]][] | null;
    for (const entry of read?.[0]?.[1] ?? []) {
      const claim = await this.#take(entry);
      if (claim) return claim;
    }
    return undefined;
  }

  /** Turns a delivered entry into a claim; one whose submission is gone or already finished is acknowledged and skipped. */
  async #take([id, fields]: Entry): Promise<SubmissionClaim | undefined> {
    const token = fields?.[1];
    const stored = token ? await viaRedis(() => this.#redis.get(record(token))) : null;
    const submission = stored ? (JSON.parse(stored) as Submission) : undefined;
    if (!token || !submission || submission.finished_at !== null) {
      await viaRedis(() => this.#redis.multi().xack(STREAM, GROUP, id).xdel(STREAM, id).exec());
      return undefined;
    }
    const attempt = await viaRedis(() => this.#redis.incr(attempts(token)));
    submission.status_id = 2;
    submission.started_at ??= new Date().toISOString();
    await viaRedis(() => this.#redis.set(record(token), JSON.stringify(submission)));
    this.#entries.set(token, id);
    return { submission, attempt, exhausted: attempt > this.#options.maxAttempts };
  }

  async renew(claim: SubmissionClaim): Promise<void> {
    const id = this.#entries.get(claim.submission.token);
    if (id) await viaRedis(() => this.#redis.xclaim(STREAM, GROUP, this.#consumer, 0, id, "JUSTID"));
  }

  async complete(claim: SubmissionClaim, finished: Submission): Promise<void> {
    const token = claim.submission.token;
    const id = this.#entries.get(token);
    const ttl = this.#options.resultTtlSeconds;
    await viaRedis(async () => {
      const multi = this.#redis.multi().set(record(token), JSON.stringify(finished), "EX", ttl).expire(attempts(token), ttl);
      if (id) multi.xack(STREAM, GROUP, id).xdel(STREAM, id);
      await multi.exec();
    });
    this.#entries.delete(token);
  }

  async pending(): Promise<number> {
    return viaRedis(() => this.#redis.xlen(STREAM));
  }

  dispose(): void {
    this.#blocking.disconnect();
    this.#redis.disconnect();
  }
}
