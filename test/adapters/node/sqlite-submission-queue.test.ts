import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteSubmissionQueue } from "../../../src/adapters/node/sqlite-submission-queue.ts";
import { queuedSubmission, submissionQueueContract } from "../../helpers/submission-queue-contract.ts";

const dir = mkdtempSync(join(tmpdir(), "kiln-subq-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SqliteSubmissionQueue", () => {
  // Each test's storage is a file of its own; its two "nodes" open the same file.
  submissionQueueContract((options, storage) => new SqliteSubmissionQueue(join(dir, `${storage}.sqlite`), options));

  it("queues again, at start, what the process before left running (its attempt counted)", async () => {
    const path = join(dir, "restart.sqlite");
    const options = { leaseMs: 60_000, resultTtlSeconds: 60, maxAttempts: 3 };
    const before = new SqliteSubmissionQueue(path, options);
    const s = queuedSubmission(1);
    await before.enqueue([s]);
    expect((await before.claim(0))?.attempt).toBe(1);
    before.dispose(); // the process dies mid-run: its lease has a minute left
    const after = new SqliteSubmissionQueue(path, options);
    try {
      expect(await after.claim(0)).toMatchObject({ attempt: 2, submission: { token: s.token } });
    } finally {
      after.dispose();
    }
  });
});
