import { expect, it } from "vitest";
import type { Submission, SubmissionQueue, SubmissionQueueOptions } from "../../src/platform/submission-queue.ts";

/** A queued submission for tests. */
export function queuedSubmission(n: number): Submission {
  return {
    token: crypto.randomUUID(),
    tenantId: "tenant-1",
    request: {
      language_id: 63, source_code: `console.log(${n})`, stdin: null, expected_output: null, command_line_arguments: null, compiler_options: null,
      cpu_time_limit: 5, cpu_extra_time: 1, wall_time_limit: 10, memory_limit: 128000, stack_limit: 64000, max_processes_and_or_threads: 60,
      enable_per_process_and_thread_time_limit: false, enable_per_process_and_thread_memory_limit: false, max_file_size: 1024, number_of_runs: 1,
      redirect_stderr_to_stdout: false, enable_network: false, callback_url: null,
    },
    status_id: 1,
    created_at: new Date().toISOString(),
    started_at: null,
    finished_at: null,
    result: null,
  };
}

const finish = (s: Submission, stdout: string): Submission => ({
  ...s,
  status_id: 3,
  finished_at: new Date().toISOString(),
  result: { status_id: 3, stdout, stderr: null, compile_output: null, message: null, exit_code: 0, exit_signal: null, time: "0.001", wall_time: "0.001", memory: 1 },
});

/**
 * What every SubmissionQueue must do, over real storage. `open(options, storage)` makes a queue on
 * the storage named `storage`: each test names a new one, and its two "nodes" name the same.
 */
export function submissionQueueContract(open: (options: SubmissionQueueOptions, storage: string) => SubmissionQueue | Promise<SubmissionQueue>): void {
  const options = { leaseMs: 300, resultTtlSeconds: 1, maxAttempts: 2 };

  it("queues in order, hands each submission to one claim, and keeps the result", async () => {
    const queue = await open(options, crypto.randomUUID());
    try {
      const [a, b] = [queuedSubmission(1), queuedSubmission(2)];
      await queue.enqueue([a, b]);
      expect((await queue.get([a.token]))[0]?.status_id).toBe(1);
      expect(await queue.pending()).toBeGreaterThanOrEqual(2);
      const first = await queue.claim(1000);
      const second = await queue.claim(1000);
      expect([first?.submission.token, second?.submission.token]).toEqual([a.token, b.token]);
      expect(first).toMatchObject({ attempt: 1, exhausted: false, submission: { status_id: 2 } });
      expect(first!.submission.started_at).not.toBeNull();
      expect((await queue.get([a.token]))[0]?.status_id).toBe(2);
      await queue.complete(first!, finish(first!.submission, "one\n"));
      await queue.complete(second!, finish(second!.submission, "two\n"));
      const [gotA, gotB, missing] = await queue.get([a.token, b.token, crypto.randomUUID()]);
      expect(gotA?.result?.stdout).toBe("one\n");
      expect(gotB?.status_id).toBe(3);
      expect(missing).toBeUndefined();
      expect(await queue.claim(50)).toBeUndefined();
    } finally {
      await queue.dispose();
    }
  });

  it("gives a claim whose lease ran out to another consumer, and ends it as exhausted past the last attempt", async () => {
    const storage = crypto.randomUUID();
    const nodeA = await open(options, storage);
    const nodeB = await open(options, storage);
    try {
      const s = queuedSubmission(3);
      await nodeA.enqueue([s]);
      const onA = await nodeA.claim(1000);
      expect(onA?.submission.token).toBe(s.token);
      // A renews its claim: B gets nothing while the lease is kept alive.
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 150));
        await nodeA.renew(onA!);
      }
      expect(await nodeB.claim(0)).toBeUndefined();
      // A stops renewing (it died): after the lease, B takes it over.
      let onB;
      for (let i = 0; i < 40 && !onB; i++) onB = await nodeB.claim(100);
      expect(onB).toMatchObject({ attempt: 2, exhausted: false, submission: { token: s.token } });
      let third;
      for (let i = 0; i < 40 && !third; i++) third = await nodeA.claim(100);
      expect(third).toMatchObject({ attempt: 3, exhausted: true });
      await nodeA.complete(third!, finish(third!.submission, ""));
      expect((await nodeB.get([s.token]))[0]?.status_id).toBe(3);
    } finally {
      await nodeA.dispose();
      await nodeB.dispose();
    }
  });

  it("keeps finished submissions for resultTtlSeconds, then forgets them; queued ones never expire", async () => {
    const queue = await open(options, crypto.randomUUID());
    try {
      const done = queuedSubmission(4);
      await queue.store(finish(done, "kept\n"));
      const waiting = queuedSubmission(5);
      await queue.enqueue([waiting]);
      expect((await queue.get([done.token]))[0]?.result?.stdout).toBe("kept\n");
      await new Promise((r) => setTimeout(r, 1_300));
      const [gone, still] = await queue.get([done.token, waiting.token]);
      expect(gone).toBeUndefined();
      expect(still?.status_id).toBe(1);
    } finally {
      await queue.dispose();
    }
  });
}
