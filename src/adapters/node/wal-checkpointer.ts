import type Database from "better-sqlite3";
import { Worker } from "node:worker_threads";

const ENTRY = new URL("./wal-checkpoint-thread.mjs", import.meta.url);

/**
 * Checkpoints a SQLite file's write-ahead log from a thread of its own. By default the connection whose
 * commit crosses 1000 WAL pages copies them back and fsyncs the database, within that commit: on the
 * server's main thread, with run history committing every few milliseconds, that was two thirds of a
 * history commit's cost. With this, the connection's automatic checkpoints are off and the thread
 * checkpoints every `intervalMs` instead. Should the thread fail, automatic checkpoints come back.
 */
export class WalCheckpointer {
  readonly #worker: Worker;
  #stopped = false;

  constructor(db: Database.Database, path: string, intervalMs = 1000) {
    db.pragma("wal_autocheckpoint = 0");
    this.#worker = new Worker(ENTRY, { workerData: { path, intervalMs }, stdout: false, stderr: false });
    this.#worker.unref();
    this.#worker.once("exit", () => {
      if (!this.#stopped && db.open) db.pragma("wal_autocheckpoint = 1000");
    });
    this.#worker.once("error", () => undefined);
  }

  /** Stops the thread after one last checkpoint. */
  dispose(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#worker.postMessage("stop");
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}
