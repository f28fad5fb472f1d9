import { Worker } from "node:worker_threads";
import { MIN_MEMORY_MB } from "../../config.ts";
import type { Engine, LanguageInfo, RunJob, RunOptions, RunOutcome } from "../../engine/engine.ts";
import { DisposedError, RequestError } from "../../errors.ts";
import { serverLog } from "../../server-log.ts";
import { quickjsLanguages } from "../../../languages/index.ts";
import { FairQueue } from "./fair-queue.ts";
import type { WorkerInit, WorkerOutput, WorkerPools, WorkerReply, WorkerRequest } from "./run-worker.ts";
import { CLAIM_CELL, claimQueued, offerQueued, SHARED_BYTES, STARTED_CELL } from "./worker-cells.ts";

export interface WorkerPoolOptions {
  /** Worker threads, each running one job at a time. */
  size: number;
  /** Jobs that may wait for a free worker; beyond that `run` rejects with `overloaded`. */
  maxQueue: number;
  /** The QuickJS wasm, compiled once and shared with every worker. */
  wasmModule: WebAssembly.Module;
  languages: readonly LanguageInfo[];
  /** The SQLite file behind `kv`, or the Redis server when `redisUrl` is set. */
  kvPath: string;
  redisUrl?: string;
  /** Where prepared component runtimes are cached; prepare them before starting the pool. */
  cacheDir: string;
  /** The prepared folder of each of `componentRuntimes`, in order (prepareComponentRuntimeFolder): workers load them without checking again. */
  preparedDirs?: readonly string[];
  /** Warm component instances per runtime, in each worker. */
  warmInstances?: number;
  /** KILN_MAX_MEMORY_MB: the declared maximum of every component main module, under each run's own cap. */
  maxMemoryMb?: number;
  /** Bytes each worker's warm component instances may hold together. */
  warmPoolBytes?: number;
  /** QuickJS snapshot settings, in each worker (see Config.snapshots), and the instrumented build snapshots run on. */
  snapshots?: { minInitMs: number; cacheBytes: number; module?: { module: WebAssembly.Module; sha256: string } };
  /** How long past a job's deadline the watchdog waits before it kills the worker. Default 250 ms. */
  graceMs?: number;
  /**
   * Languages whose instances a new worker starts before it takes jobs (Ruby and Python: compiling
   * their module and initialising them takes seconds), under `memoryMb` (the default cap; a warm
   * instance then serves any cap its snapshot fits under), so no caller's first run pays for it.
   */
  warmUp?: { languages: readonly string[]; memoryMb: number };
  /**
   * Workers kept aside, warmed up like the first ones, that take no jobs: when the watchdog stops a
   * worker, a ready spare takes its place at once and a new spare starts in the background, so the runs
   * after a kill do not pay for a cold Ruby or Python. Default 0.
   */
  spares?: number;
  /** Told of what the pool sees as it happens: a worker replaced, and the warm pools' counts the workers report with each reply. */
  metrics?: WorkerPoolMetrics;
}

/** What the pool reports (the Node adapter's metrics): each fact once, here, where the pool learns it. */
export interface WorkerPoolMetrics {
  /** A worker thread was replaced: stopped by the watchdog, or it exited by itself. */
  workerRestarted(reason: "watchdog" | "exit"): void;
  /** A worker's warm pool (by name) counted more hits, misses or evictions since its last reply. */
  warmPool(pool: string, added: { hits: number; misses: number; evictions: number }): void;
}

interface Task {
  job: RunJob;
  /** A streamed run's listener: the worker posts its output while it runs. */
  onOutput?: RunOptions["onOutput"];
  resolve(outcome: RunOutcome): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Set when the watchdog terminated it; its exit is expected. */
  killed?: boolean;
  /** Kept aside (see WorkerPoolOptions.spares): takes no jobs until it replaces a stopped worker. */
  spare?: boolean;
  task?: Task & { id: number; startedAt: number; watchdog: ReturnType<typeof setTimeout> };
  /**
   * A job sent while `task` runs, so the worker starts it the moment `task` ends instead of waiting
   * for this thread to hear of the end and send another (a queue of one per worker, filled only when
   * no worker is idle). Its deadline is armed when it becomes `task`; a worker that falls idle meanwhile
   * takes it back if this one has not started it (worker-cells.ts: CLAIM_CELL).
   */
  queued?: Task & { id: number };
  /** The cells the worker shares (worker-cells.ts): fuel used, guest started, the queued job's claim. */
  shared: Int32Array;
  /** Its warm pools' counts as of its last reply (the next reply's counts less these are what happened since). */
  pools?: WorkerPools;
}

/** How long the watchdog waits for the reply of a job whose worker already started the job queued behind it. */
const REPLY_WAIT_MS = 20;

/** How long Kiln's own setup of a run (starting or compiling an instance) may take before the worker is stopped anyway. */
const SETUP_LIMIT_MS = 30_000;

const WORKER_URL = new URL("./run-worker-entry.mjs", import.meta.url);

/**
 * What a new worker runs before it takes jobs: a deploy check (no entry point is called, no host call
 * is allowed) of each language's `warmUp` code (languages/<name>/language.ts; TypeScript's loads
 * esbuild). It sets QuickJS up too, which the worker's first run would otherwise pay for under the
 * watchdog: a TypeScript run with a 100 ms deadline could be killed.
 */
const WARM_UP: RunJob[] = quickjsLanguages.flatMap((l) => (l.warmUp === undefined ? [] : [warmUpJob(l.language.name, l.warmUp, MIN_MEMORY_MB)]));

function warmUpJob(language: string, code: string, memoryMb: number): RunJob {
  return {
    language,
    code,
    inputJson: "null",
    limits: { fuel: 10_000, memoryMb, timeoutMs: 30_000, maxOutputBytes: 1024, maxResultBytes: 1024 },
    host: {
      grants: { secrets: {} },
      limits: { logMaxEntries: 0, logMaxBytes: 0, kvMaxKeyBytes: 0, kvMaxValueBytes: 0, kvMaxKeys: 0, kvMaxCalls: 0, kvMaxList: 0, httpMaxCalls: 0, httpTimeoutMs: 0, httpMaxRequestBytes: 0, httpMaxResponseBytes: 0, httpMaxRedirects: 0, httpAllowPrivate: false },
      deployCheck: true,
    },
    evaluateOnly: true,
  };
}

/**
 * The Node adapter's engine: every engine (QuickJS and the component engine: Lua, Ruby, Python and
 * callers' components) in worker threads, behind the same `Engine` interface. Native code (QuickJS's
 * JSON.parse or String.prototype.repeat, an interpreter's built-in) may never poll the fuel meter, so
 * a watchdog terminates any worker whose run passes its deadline and starts a fresh one.
 */
export class WorkerPoolEngine implements Engine {
  readonly name = "worker-pool";
  readonly languages: readonly LanguageInfo[];
  readonly #options: Required<WorkerPoolOptions>;
  readonly #slots = new Set<Slot>();
  readonly #queue = new FairQueue<Task>();
  readonly #exits = new Set<Promise<void>>();
  #nextId = 1;
  readonly #readyWaiters: { resolve: () => void; spares: boolean }[] = [];
  #failedStarts = 0;
  #disposed = false;

  constructor(options: WorkerPoolOptions) {
    this.#options = { graceMs: 250, redisUrl: undefined, warmUp: undefined, preparedDirs: undefined, spares: 0, ...options } as Required<WorkerPoolOptions>;
    this.languages = options.languages;
    for (let i = 0; i < options.size; i++) this.#spawn({ initial: true });
    // Spares start once the serving workers are ready, so they do not slow the start.
    void this.ready().then(() => {
      for (let i = 0; i < this.#options.spares && !this.#disposed; i++) this.#spawn({ spare: true });
    });
  }

  /** Only `onOutput` of `options` applies (the worker serves fuel and the guest's start to the watchdog itself). */
  run(job: RunJob, options: RunOptions = {}): Promise<RunOutcome> {
    if (this.#disposed) return Promise.reject(new DisposedError("the worker pool was disposed"));
    if (this.queueDepth >= this.#options.maxQueue) {
      return Promise.reject(new RequestError("overloaded", "Too many runs are waiting; try again later"));
    }
    return new Promise((resolve, reject) => {
      const owner = job.owner ?? "";
      const newcomer = !this.#queue.has(owner);
      this.#queue.push(owner, { job, resolve, reject, ...(options.onOutput && { onOutput: options.onOutput }) });
      // An owner that starts waiting gets its turn as if no job had been queued on a worker ahead of time:
      // other owners' queued jobs the workers have not started go back to the front of their lines.
      if (newcomer) for (const slot of this.#slots) if (slot.queued && (slot.queued.job.owner ?? "") !== owner) this.#requeue(slot, { dispatch: false });
      this.#dispatch();
    });
  }

  /**
   * Resolves once every worker has loaded its engines and run its warm-up (with `spares`, once the
   * spares have too). Runs submitted earlier simply wait.
   */
  ready(options: { spares?: boolean } = {}): Promise<void> {
    return new Promise((resolve) => {
      this.#readyWaiters.push({ resolve, spares: options.spares === true });
      this.#checkReady();
    });
  }

  /** Resolves `ready()` callers whose condition holds (or all, once the pool is disposed); called whenever that may have changed. */
  #checkReady(): void {
    const slots = [...this.#slots];
    const serving = slots.every((s) => s.ready || s.spare);
    const spares = slots.filter((s) => s.spare && s.ready).length >= this.#options.spares;
    for (const waiter of [...this.#readyWaiters]) {
      if (!this.#disposed && !(serving && (!waiter.spares || spares))) continue;
      this.#readyWaiters.splice(this.#readyWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  /** Worker threads alive now; tests use it to check that none leak. */
  get threads(): number {
    return this.#slots.size;
  }

  /**
   * Starts a worker. Only the pool's first workers start the `warmUp` languages: a replacement for a
   * worker the watchdog killed takes jobs as soon as it can, or a burst of runs that each pass a short
   * deadline would leave every worker warming up for seconds and stall everyone else (found by the fuzz suite).
   */
  #spawn(options: { initial?: boolean; spare?: boolean } = {}): void {
    // The worker publishes its fuel here; a kill reports none (see #kill), but the worker still expects it.
    const fuel = new SharedArrayBuffer(SHARED_BYTES);
    const worker = new Worker(WORKER_URL, {
      workerData: { wasmModule: this.#options.wasmModule, fuel, kvPath: this.#options.kvPath, redisUrl: this.#options.redisUrl, cacheDir: this.#options.cacheDir, preparedDirs: this.#options.preparedDirs, warmInstances: this.#options.warmInstances ?? 1, warmPoolBytes: this.#options.warmPoolBytes, maxMemoryMb: this.#options.maxMemoryMb, snapshots: this.#options.snapshots } satisfies WorkerInit,
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, ready: false, spare: options.spare, shared: new Int32Array(fuel) };
    this.#slots.add(slot);
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    this.#exits.add(exited);
    void exited.then(() => {
      this.#exits.delete(exited);
      this.#slots.delete(slot);
      this.#checkReady();
      if (slot.task) this.#finish(slot, { hostError: "a worker thread exited while running a job" });
      this.#requeue(slot);
      // A worker that dies before it is ready will not do better on retry: stop after a few.
      this.#failedStarts = slot.ready || slot.killed ? 0 : this.#failedStarts + 1;
      if (this.#disposed) return;
      if (this.#failedStarts >= 3) {
        for (const task of this.#queue.drain()) task.reject(new Error("worker threads fail to start"));
        return;
      }
      this.#options.metrics?.workerRestarted(slot.killed ? "watchdog" : "exit");
      const spare = [...this.#slots].find((s) => s.spare && s.ready);
      if (slot.spare) this.#spawn({ spare: true });
      else if (spare) {
        // A warm spare takes the stopped worker's place now; a new spare warms up in the background.
        spare.spare = false;
        this.#spawn({ spare: true });
        this.#dispatch();
      } else this.#spawn({ initial: !slot.ready && !slot.killed && options.initial }); // a warm-up the watchdog stopped is not tried again
    });
    worker.on("error", (err) => serverLog("error", "worker thread error", { error: err }));
    worker.on("message", (message: WorkerReply | WorkerOutput | { ready: true }) => {
      if ("ready" in message) {
        this.#warmUp(slot, { languages: options.initial === true || options.spare === true });
        return;
      }
      if ("output" in message) {
        // Output of a run the watchdog already ended is dropped with it.
        if (slot.task?.id === message.id) for (const event of message.output) slot.task.onOutput?.(event);
        return;
      }
      if (message.pools) this.#countPools(slot, message.pools);
      if (slot.task?.id === message.id) this.#finish(slot, message);
      // The queued job runs now (or already does): its deadline starts.
      if (!slot.task && slot.queued) {
        const { id, ...task } = slot.queued;
        slot.queued = undefined;
        this.#arm(slot, task, id);
      }
      this.#dispatch();
    });
  }

  /** Runs WARM_UP, then a deploy check in each `warmUp` language (KILN_WARM_UP), on a worker that just loaded, under the watchdog like any job; then it takes jobs. */
  #warmUp(slot: Slot, options: { languages: boolean }): void {
    const { languages = [], memoryMb = MIN_MEMORY_MB } = (options.languages && this.#options.warmUp) || {};
    const jobs = [...WARM_UP, ...languages.map((language) => warmUpJob(language, "", memoryMb))];
    // A worker that exited or was killed meanwhile is no longer in #slots, or is marked killed (and is replaced).
    const alive = () => this.#slots.has(slot) && !slot.killed;
    const ready = () => {
      if (!alive()) return;
      const next = jobs.shift();
      if (next) return this.#assign(slot, { job: next, resolve: ready, reject: fail });
      slot.ready = true;
      this.#checkReady();
      this.#dispatch();
    };
    const fail = (error: Error) => {
      if (!alive()) return;
      // The worker answered but could not run it (esbuild failed to load, say): its runs will say why.
      serverLog("error", "a worker thread failed its warm-up run", { error });
      ready();
    };
    ready();
  }

  #assign(slot: Slot, task: Task): void {
    const id = this.#nextId++;
    Atomics.store(slot.shared, STARTED_CELL, 0);
    this.#arm(slot, task, id);
    slot.worker.postMessage({ id, job: task.job, ...(task.onOutput && { stream: true }) } satisfies WorkerRequest);
  }

  /** Sends `task` to a busy worker, to start when its running job ends. */
  #queueOn(slot: Slot, task: Task): void {
    const id = this.#nextId++;
    slot.queued = { ...task, id };
    offerQueued(slot.shared, id);
    slot.worker.postMessage({ id, job: task.job, queued: true, ...(task.onOutput && { stream: true }) } satisfies WorkerRequest);
  }

  /** `task` is the worker's running job from now: its watchdog is armed. */
  #arm(slot: Slot, task: Task, id: number): void {
    const limit = task.job.limits.timeoutMs + this.#options.graceMs;
    // The deadline counts from the guest's start: while the worker is still starting an instance (a cold
    // Ruby takes seconds) the watchdog waits, up to SETUP_LIMIT_MS, so a short deadline cannot get every
    // worker killed mid-setup again and again.
    const check = (armedAt: number, after = limit): ReturnType<typeof setTimeout> =>
      setTimeout(() => {
        if (slot.task?.id !== id) return;
        // The worker started its queued job: this one ended, and its reply is on its way (timers run before messages).
        if (slot.queued && Atomics.load(slot.shared, CLAIM_CELL) !== slot.queued.id) slot.task.watchdog = check(armedAt, REPLY_WAIT_MS);
        else if (Atomics.load(slot.shared, STARTED_CELL) === 0 && Date.now() - armedAt < SETUP_LIMIT_MS) slot.task.watchdog = check(armedAt);
        else this.#kill(slot);
      }, after);
    slot.task = { ...task, id, startedAt: Date.now(), watchdog: check(Date.now()) };
  }

  /**
   * Idle workers take waiting jobs; with none waiting, a job queued on a busy worker that has not started
   * it. Then, while jobs still wait, each busy worker gets one queued behind its running job.
   */
  #dispatch(): void {
    const serving = (slot: Slot) => slot.ready && !slot.spare;
    for (const slot of this.#slots) {
      if (!serving(slot) || slot.task) continue;
      const task = this.#queue.shift() ?? this.#takeBack();
      if (!task) return;
      this.#assign(slot, task);
    }
    for (const slot of this.#slots) {
      if (!this.#queue.size) return;
      // A job promoted from queued that the worker has yet to claim holds the cell: nothing more until it does.
      if (serving(slot) && slot.task && !slot.queued && Atomics.load(slot.shared, CLAIM_CELL) === 0) this.#queueOn(slot, this.#queue.shift()!);
    }
  }

  /** A job queued on a busy worker that had not started it, taken back (undefined: none). */
  #takeBack(): Task | undefined {
    for (const slot of this.#slots) {
      const queued = slot.queued;
      if (!queued || !claimQueued(slot.shared, queued.id)) continue;
      slot.queued = undefined;
      const { id: _, ...task } = queued;
      return task;
    }
    return undefined;
  }

  /**
   * A worker's queued job back to the front of its owner's line, if the worker has not started it; a
   * stopped worker's that it had started is lost with it.
   */
  #requeue(slot: Slot, options: { dispatch?: boolean } = {}): void {
    const queued = slot.queued;
    if (!queued) return;
    slot.queued = undefined;
    const { id, ...task } = queued;
    if (!claimQueued(slot.shared, id)) {
      // Started: a live worker runs it (its reply promotes it as usual); a stopped one lost it.
      if (slot.killed || !this.#slots.has(slot)) task.reject(new Error("worker: a worker thread exited while running a job"));
      else slot.queued = queued;
    } else if (this.#disposed) task.reject(new DisposedError("the worker pool was disposed"));
    else {
      this.#queue.unshift(task.job.owner ?? "", task);
      if (options.dispatch !== false) this.#dispatch();
    }
  }

  /**
   * The deadline passed inside a call that never polls: end the run as a timeout and replace the worker.
   * The run's counts are lost with the thread (the fuel the worker last published is only what it used
   * before that call), so fuel and memoryBytes are null and `start` is absent.
   */
  #kill(slot: Slot): void {
    const task = slot.task;
    if (!task) return;
    // Marked first: finishing a warm-up would otherwise hand the dying worker a job.
    slot.ready = false;
    slot.killed = true;
    // Its queued job is taken back before the worker can start it (a native call may still return before the thread stops).
    this.#requeue(slot);
    const { timeoutMs } = task.job.limits;
    this.#finish(slot, {
      outcome: {
        ok: false,
        error: { code: "timeout", message: `The script ran past its deadline (${timeoutMs} ms); its worker was stopped` },
        stdout: "",
        stderr: "",
        logs: [],
        usage: { fuel: null, memoryBytes: null, wallMs: Date.now() - task.startedAt },
      },
    });
    void slot.worker.terminate();
  }

  #finish(slot: Slot, reply: { outcome: RunOutcome } | { hostError: string }): void {
    const task = slot.task;
    if (!task) return;
    slot.task = undefined;
    clearTimeout(task.watchdog);
    if ("outcome" in reply) task.resolve(reply.outcome);
    else task.reject(new Error(`worker: ${reply.hostError}`));
  }

  /** Reports what a worker's warm pools counted since its last reply. */
  #countPools(slot: Slot, pools: WorkerPools): void {
    const metrics = this.#options.metrics;
    for (const [name, now] of Object.entries(pools)) {
      const before = slot.pools?.[name as keyof WorkerPools];
      const added = { hits: now.hits - (before?.hits ?? 0), misses: now.misses - (before?.misses ?? 0), evictions: now.evictions - (before?.evictions ?? 0) };
      if (added.hits || added.misses || added.evictions) metrics?.warmPool(name, added);
    }
    slot.pools = pools;
  }

  /** Runs waiting for a worker now (those queued on a busy worker included). */
  get queueDepth(): number {
    let queued = 0;
    for (const slot of this.#slots) if (slot.queued) queued++;
    return this.#queue.size + queued;
  }

  /** Workers running a job now (warm-ups included). */
  get busyWorkers(): number {
    let busy = 0;
    for (const slot of this.#slots) if (slot.task) busy++;
    return busy;
  }

  /** Bytes the live workers' warm pools hold, by pool, as of each worker's last reply. */
  get warmPoolBytes(): Record<string, number> {
    const bytes: Record<string, number> = {};
    for (const slot of this.#slots) for (const [name, stats] of Object.entries(slot.pools ?? {})) bytes[name] = (bytes[name] ?? 0) + stats.bytes;
    return bytes;
  }

  /** Stops every worker and rejects waiting jobs. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#checkReady();
    for (const task of this.#queue.drain()) task.reject(new DisposedError("the worker pool was disposed"));
    for (const slot of this.#slots) void slot.worker.terminate();
  }

  /** Disposes and waits until every worker thread has exited. */
  async close(): Promise<void> {
    this.dispose();
    await Promise.all([...this.#exits]);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
