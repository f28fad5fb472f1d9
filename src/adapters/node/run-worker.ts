/**
 * Worker thread entry: runs jobs on its own QuickJS engine, one at a time, and publishes the
 * fuel used so far into shared memory so the watchdog can report it after a kill.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createQuickJSEngine } from "../../default-engines.ts";
import { NodeHttpTransport } from "./node-http-transport.ts";
import { SqliteKvStore } from "./sqlite-kv-store.ts";
import type { RunJob } from "../../engine/engine.ts";

export interface WorkerInit {
  wasmModule: WebAssembly.Module;
  fuel: SharedArrayBuffer;
  /** The SQLite file behind `kv`, opened by each worker. */
  kvPath: string;
}
export type WorkerRequest = { id: number; job: RunJob };
export type WorkerReply = { id: number; outcome: import("../../engine/engine.ts").RunOutcome } | { id: number; hostError: string };

const { wasmModule, fuel, kvPath } = workerData as WorkerInit;
const fuelView = new Int32Array(fuel);
const engine = createQuickJSEngine(wasmModule, { services: { kv: new SqliteKvStore(kvPath), http: new NodeHttpTransport() } });
const port = parentPort!;

port.on("message", async ({ id, job }: WorkerRequest) => {
  Atomics.store(fuelView, 0, 0);
  let reply: WorkerReply;
  try {
    const outcome = await engine.run(job, { onFuel: (used) => Atomics.store(fuelView, 0, used) });
    reply = { id, outcome };
  } catch (e) {
    reply = { id, hostError: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });
