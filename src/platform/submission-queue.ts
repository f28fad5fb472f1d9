/**
 * Judge0-style submissions (`/judge0/submissions`) and the queue that runs the asynchronous ones.
 * A submission is accepted (stored, status In Queue) and a token returned at once; a consumer on any
 * node claims it, runs it and stores the result, which is kept for `resultTtlSeconds`.
 *
 * Claims are leases: a consumer renews its claim while the run goes on, and a claim not renewed
 * within the lease (its node died) is taken by another consumer, or by the same node after a
 * restart. Each claim counts as an attempt; past the last one the submission ends with Internal
 * Error (13) instead of running again. So an accepted submission is never silently dropped.
 */

/** What a submission asks for, decoded and validated (Judge0's request fields, as Kiln keeps them). */
export interface SubmissionRequest {
  language_id: number;
  source_code: string;
  stdin: string | null;
  expected_output: string | null;
  command_line_arguments: string | null;
  compiler_options: string | null;
  cpu_time_limit: number;
  cpu_extra_time: number;
  wall_time_limit: number;
  memory_limit: number;
  stack_limit: number;
  max_processes_and_or_threads: number;
  enable_per_process_and_thread_time_limit: boolean;
  enable_per_process_and_thread_memory_limit: boolean;
  max_file_size: number;
  number_of_runs: number;
  redirect_stderr_to_stdout: boolean;
  enable_network: boolean;
  callback_url: string | null;
}

/** What a finished run gives, in Judge0's terms. */
export interface SubmissionResult {
  status_id: number;
  stdout: string | null;
  stderr: string | null;
  compile_output: string | null;
  message: string | null;
  exit_code: number | null;
  exit_signal: number | null;
  /** Seconds, as Judge0 serialises them ("0.002"). */
  time: string | null;
  wall_time: string | null;
  /** Kilobytes. */
  memory: number | null;
}

/** One submission as stored: the request, who sent it, its state and (once finished) its result. */
export interface Submission {
  token: string;
  tenantId: string;
  request: SubmissionRequest;
  /** 1 In Queue, 2 Processing, then the result's status. */
  status_id: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  result: SubmissionResult | null;
}

/** A submission a consumer holds, to run and then complete. `exhausted`: its attempts are used up (end it with Internal Error). */
export interface SubmissionClaim {
  submission: Submission;
  attempt: number;
  exhausted: boolean;
}

/**
 * Where submissions are kept and queued. Every node's consumer takes from the same queue (SQLite on
 * one node, Redis across nodes, memory on the edge). Implementations are disposable.
 */
export interface SubmissionQueue {
  /** Stores each submission (In Queue) and queues it; once this resolves, none is lost. */
  enqueue(submissions: readonly Submission[]): Promise<void>;
  /** Stores a finished submission without queueing it (a `wait=true` run). */
  store(submission: Submission): Promise<void>;
  /** The submissions with these tokens, undefined where there is none (or its result expired). */
  get(tokens: readonly string[]): Promise<(Submission | undefined)[]>;
  /** The next submission to run, waiting up to `waitMs` for one; undefined when none came. */
  claim(waitMs: number): Promise<SubmissionClaim | undefined>;
  /** Keeps a claim alive while its run goes on. */
  renew(claim: SubmissionClaim): Promise<void>;
  /** Stores the finished submission and removes it from the queue. */
  complete(claim: SubmissionClaim, finished: Submission): Promise<void>;
  /** Submissions queued or running, not yet finished. */
  pending(): Promise<number>;
  dispose(): void | Promise<void>;
}

/** How long claims last and results are kept, and how many times a submission is tried. */
export interface SubmissionQueueOptions {
  /** A claim not renewed within this long is taken over by another consumer. */
  leaseMs: number;
  /** How long a finished submission is kept. */
  resultTtlSeconds: number;
  /** Claims per submission before it ends with Internal Error. */
  maxAttempts: number;
}

export const DEFAULT_MAX_ATTEMPTS = 3;

/** The Internal Error result of a submission whose every attempt was cut short (its node died each time). */
export function exhaustedResult(attempts: number): SubmissionResult {
  return {
    status_id: 13,
    stdout: null,
    stderr: null,
    compile_output: null,
    message: `The node running this submission stopped ${attempts} times before it finished`,
    exit_code: null,
    exit_signal: null,
    time: null,
    wall_time: null,
    memory: null,
  };
}
