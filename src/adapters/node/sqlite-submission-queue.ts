import type Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { RequestError } from "../../errors.ts";
import type { Submission, SubmissionClaim, SubmissionQueue, SubmissionQueueOptions } from "../../platform/submission-queue.ts";
import { isStorageFailure, openSqlite } from "./sqlite-storage.ts";

const SCHEMA = `CREATE TABLE IF NOT EXISTS submissions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  token TEXT NOT NULL UNIQUE,
  record TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER NOT NULL DEFAULT 0,
  expires_at INTEGER
)`;

/** Whether a poll has anything to do: a submission to claim, or a finished one to delete. */
const WORK_WAITING =
  "SELECT 1 FROM submissions WHERE state = 'queued' OR (state = 'running' AND lease_until <= ?) UNION ALL SELECT 1 FROM submissions WHERE state = 'done' AND expires_at <= ? LIMIT 1";

type Row = { seq: number; token: string; record: string; state: string; attempts: number };

/**
 * The single-node submission queue: a table in Kiln's SQLite file (WAL, synchronous=FULL), so an
 * accepted submission is on disk before its token is returned. One SQLite file serves one node, so
 * at start every submission left `running` by the process before (killed mid-run) is queued again;
 * its attempt still counts. Claims are leases as in the Redis queue. Finished submissions are
 * deleted `resultTtlSeconds` after they finish.
 */
export class SqliteSubmissionQueue implements SubmissionQueue {
  readonly #db: Database.Database;
  readonly #options: SubmissionQueueOptions;
  readonly #waiters = new Set<() => void>();
  #disposed = false;
  #workWaiting: Database.Statement | undefined;

  constructor(path: string, options: SubmissionQueueOptions) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.#db = openSqlite(path);
    this.#options = options;
    this.#db.exec(SCHEMA);
    this.#db.exec("CREATE INDEX IF NOT EXISTS submissions_state ON submissions (state, seq)");
    this.#db.prepare("UPDATE submissions SET state = 'queued', lease_until = 0 WHERE state = 'running'").run();
  }

  #write<T>(fn: () => T): T {
    try {
      return this.#db.transaction(fn).immediate();
    } catch (e) {
      if (isStorageFailure(e)) throw new RequestError("unavailable", "The server's storage is full or cannot be written; nothing was changed", 30);
      throw e;
    }
  }

  async enqueue(submissions: readonly Submission[]): Promise<void> {
    const insert = this.#db.prepare("INSERT INTO submissions (token, record, state) VALUES (?, ?, 'queued')");
    this.#write(() => {
      for (const s of submissions) insert.run(s.token, JSON.stringify(s));
    });
    for (const wake of [...this.#waiters]) wake();
  }

  async store(submission: Submission): Promise<void> {
    const expires = Date.now() + this.#options.resultTtlSeconds * 1000;
    this.#write(() =>
      this.#db.prepare("INSERT OR REPLACE INTO submissions (token, record, state, attempts, expires_at) VALUES (?, ?, 'done', 1, ?)").run(submission.token, JSON.stringify(submission), expires),
    );
  }

  async get(tokens: readonly string[]): Promise<(Submission | undefined)[]> {
    const now = Date.now();
    const select = this.#db.prepare("SELECT record, expires_at FROM submissions WHERE token = ?");
    return tokens.map((token) => {
      const row = select.get(token) as { record: string; expires_at: number | null } | undefined;
      if (!row || (row.expires_at !== null && row.expires_at <= now)) return undefined;
      return JSON.parse(row.record) as Submission;
    });
  }

  async claim(waitMs: number): Promise<SubmissionClaim | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const claim = this.#take();
      if (claim || this.#disposed) return claim;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      // Woken by an enqueue in this process; otherwise a lease running out is noticed at the next poll.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 250));
        this.#waiters.add(done);
      });
    }
  }

  #take(): SubmissionClaim | undefined {
    if (this.#disposed) return undefined;
    const now = Date.now();
    // A poll with nothing to claim or expire only reads: a write transaction per poll would take the
    // file's write lock four times a second, and its commit may fall to checkpoint the shared log.
    if (!(this.#workWaiting ??= this.#db.prepare(WORK_WAITING)).get(now, now)) return undefined;
    return this.#write(() => {
      this.#db.prepare("DELETE FROM submissions WHERE state = 'done' AND expires_at <= ?").run(now);
      const row = this.#db
        .prepare("SELECT seq, token, record, state, attempts FROM submissions WHERE state = 'queued' OR (state = 'running' AND lease_until <= ?) ORDER BY seq LIMIT 1")
        .get(now) as Row | undefined;
      if (!row) return undefined;
      const submission = JSON.parse(row.record) as Submission;
      submission.status_id = 2;
      submission.started_at ??= new Date(now).toISOString();
      const attempts = row.attempts + 1;
      this.#db
        .prepare("UPDATE submissions SET state = 'running', attempts = ?, lease_until = ?, record = ? WHERE seq = ?")
        .run(attempts, now + this.#options.leaseMs, JSON.stringify(submission), row.seq);
      return { submission, attempt: attempts, exhausted: attempts > this.#options.maxAttempts };
    });
  }

  async renew(claim: SubmissionClaim): Promise<void> {
    if (this.#disposed) return;
    this.#write(() =>
      this.#db.prepare("UPDATE submissions SET lease_until = ? WHERE token = ? AND state = 'running'").run(Date.now() + this.#options.leaseMs, claim.submission.token),
    );
  }

  async complete(claim: SubmissionClaim, finished: Submission): Promise<void> {
    const expires = Date.now() + this.#options.resultTtlSeconds * 1000;
    this.#write(() =>
      this.#db
        .prepare("UPDATE submissions SET state = 'done', record = ?, expires_at = ?, lease_until = 0 WHERE token = ? AND state = 'running'")
        .run(JSON.stringify(finished), expires, claim.submission.token),
    );
  }

  async pending(): Promise<number> {
    return (this.#db.prepare("SELECT count(*) AS n FROM submissions WHERE state != 'done'").get() as { n: number }).n;
  }

  dispose(): void {
    this.#disposed = true;
    for (const wake of [...this.#waiters]) wake();
    if (this.#db.open) this.#db.close();
  }
}
