/**
 * Worker thread entry: runs jobs on its own engines (QuickJS and the component engine), one at a time, and publishes the
 * fuel used so far into shared memory so the watchdog can report it after a kill.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createQuickJSEngine } from "../../quickjs-defaults.ts";
import { loadConfig } from "../../config.ts";
import { setServerLogLevel } from "../../server-log.ts";
import { NodeHttpTransport } from "./node-http-transport.ts";
import { connectRedis } from "./redis/redis-connection.ts";
import { RedisKvStore } from "./redis/redis-kv-store.ts";
import { SqliteKvStore } from "./sqlite-kv-store.ts";
import { callerComponents, componentRuntimes } from "../../../languages/index.ts";
import { ComponentEngine } from "../../engine/component/component-engine.ts";
import type { Engine, OutputEvent, RunJob } from "../../engine/engine.ts";
import { OutputBatcher } from "./output-batcher.ts";
import { prepareComponentRuntime } from "./prepare-component-runtime.ts";
import { prepareCallerComponent } from "./prepare-caller-component.ts";
import { preparedFolder } from "./prepared-folder.ts";
import { loadPreparedRuntime } from "../../engine/component/prepared-runtime.ts";
import { ThreadBlockingHost } from "./thread-blocking-host.ts";
import { claimQueued, FUEL_CELL, STARTED_CELL } from "./worker-cells.ts";

export interface WorkerInit {
  wasmModule: WebAssembly.Module;
  /** The cells the worker shares with the pool (worker-cells.ts). */
  fuel: SharedArrayBuffer;
  /** The SQLite file behind `kv`, opened by each worker… */
  kvPath: string;
  /** …or, when set, the Redis server that holds `kv` for every node. */
  redisUrl?: string;
  /** Where the prepared component runtimes are cached (filled by the main thread before workers start). */
  cacheDir: string;
  /** The prepared folders of `componentRuntimes` (checked by the main thread); without them the worker prepares them itself. */
  preparedDirs?: readonly string[];
  /** Warm component instances per runtime. */
  warmInstances: number;
  /** The declared maximum of every component main module (KILN_MAX_MEMORY_MB). */
  maxMemoryMb?: number;
  /** Bytes the warm component instances may hold (Config.warmPoolBytes). */
  warmPoolBytes?: number;
  /** QuickJS snapshot settings (engine defaults when absent). */
  snapshots?: { minInitMs: number; cacheBytes: number; module?: { module: WebAssembly.Module; sha256: string } };
}
/**
 * A job. `stream`: its output goes to the main thread as it happens (`output` messages, before its
 * reply). `queued`: sent while the worker still runs another (worker-pool.ts sends one job ahead per
 * worker); the worker starts it only if it can claim it first (worker-cells.ts), else the pool took it back.
 */
export type WorkerRequest = { id: number; job: RunJob; stream?: boolean; queued?: boolean };

/** `pools`: the worker's warm pools' counts so far (QuickJS's snapshot sessions, the component instances), which the pool adds up as metrics. */
export type WorkerReply = ({ id: number; outcome: import("../../engine/engine.ts").RunOutcome } | { id: number; hostError: string }) & { pools?: WorkerPools };
export type WorkerPools = Record<"quickjs-snapshots" | "components", import("../../engine/warm-pool.ts").WarmPoolStats>;
/** A batch of a streamed job's output (OutputBatcher), posted while the job runs. */
export type WorkerOutput = { id: number; output: OutputEvent[] };

// The worker's own log lines (a host call that failed) at KILN_LOG_LEVEL too; the main thread checked the variable.
setServerLogLevel(loadConfig(process.env).logLevel);
const { wasmModule, fuel, kvPath, redisUrl, cacheDir, preparedDirs, warmInstances, warmPoolBytes, maxMemoryMb, snapshots } = workerData as WorkerInit;
const fuelView = new Int32Array(fuel);
const kv = redisUrl ? new RedisKvStore(connectRedis(redisUrl)) : new SqliteKvStore(kvPath);
if (kv instanceof RedisKvStore) kv.redis.connect().catch(() => undefined);
const quickjs = createQuickJSEngine(wasmModule, {
  services: { kv, http: new NodeHttpTransport() },
  warmInstances,
  ...(snapshots && { snapshotMinInitMs: snapshots.minInitMs, snapshotCacheBytes: snapshots.cacheBytes, snapshotModule: snapshots.module }),
});
const runtimes = await Promise.all(
  componentRuntimes.map((d, i) => (preparedDirs?.[i] ? loadPreparedRuntime(d, preparedFolder(preparedDirs[i]!)) : prepareComponentRuntime(d, { cacheDir }))),
);
const components = new ComponentEngine(runtimes, {
  blocking: new ThreadBlockingHost({ kvPath, redisUrl }),
  callerComponents: callerComponents && { language: callerComponents, load: (bytes) => prepareCallerComponent(bytes, { cacheDir }) },
  warmInstances,
  warmPoolBytes,
  maxMemoryMb,
});
const engines = new Map<string, Engine>([quickjs, components].flatMap((e) => e.languages.map((l) => [l.name, e] as const)));
const port = parentPort!;

// Jobs run one at a time, in the order sent (a queued one waits for the one before, however it awaits).
let running: Promise<void> = Promise.resolve();
port.on("message", (request: WorkerRequest) => {
  running = running.then(() => serve(request));
});

async function serve({ id, job, stream, queued }: WorkerRequest): Promise<void> {
  // A queued job the pool took back (for a worker that fell idle) is not this worker's any more.
  if (queued && !claimQueued(fuelView, id)) return;
  Atomics.store(fuelView, FUEL_CELL, 0);
  Atomics.store(fuelView, STARTED_CELL, 0);
  let reply: WorkerReply;
  try {
    const engine = engines.get(job.language);
    if (!engine) throw new Error(`no engine for ${job.language}`);
    using output = stream ? new OutputBatcher((events) => port.postMessage({ id, output: events } satisfies WorkerOutput)) : undefined;
    const outcome = await engine.run(job, {
      onFuel: (used) => {
        Atomics.store(fuelView, FUEL_CELL, used);
        output?.poll();
      },
      onGuestStart: () => Atomics.store(fuelView, STARTED_CELL, 1),
      ...(output && { onOutput: (event: OutputEvent) => output.push(event) }),
    });
    reply = { id, outcome };
  } catch (e) {
    reply = { id, hostError: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage({ ...reply, pools: { "quickjs-snapshots": quickjs.poolStats, components: components.poolStats } } satisfies WorkerReply);
}
port.postMessage({ ready: true });
