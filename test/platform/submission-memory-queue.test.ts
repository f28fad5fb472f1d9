import { describe } from "vitest";
import { MemorySubmissionQueue } from "../../src/platform/submission-memory-queue.ts";
import type { SubmissionQueue } from "../../src/platform/submission-queue.ts";
import { submissionQueueContract } from "../helpers/submission-queue-contract.ts";

describe("MemorySubmissionQueue", () => {
  // Memory is the storage: two "nodes" on one storage are two handles on one queue, disposed with the last.
  const shared = new Map<string, { queue: MemorySubmissionQueue; handles: number }>();
  submissionQueueContract((options, storage) => {
    const entry = shared.get(storage) ?? { queue: new MemorySubmissionQueue(options), handles: 0 };
    shared.set(storage, entry);
    entry.handles++;
    const q = entry.queue;
    const handle: SubmissionQueue = {
      enqueue: (s) => q.enqueue(s),
      store: (s) => q.store(s),
      get: (t) => q.get(t),
      claim: (w) => q.claim(w),
      renew: (c) => q.renew(c),
      complete: (c, f) => q.complete(c, f),
      pending: () => q.pending(),
      dispose: () => {
        if (--entry.handles === 0) q.dispose();
      },
    };
    return handle;
  });
});
