// The WAL checkpointer's thread (wal-checkpointer.ts): copies the SQLite file's write-ahead log back into
// the database every `intervalMs`, off the main thread, which then never pays a checkpoint's fsync.
import Database from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";

const { path, intervalMs } = workerData;
const db = new Database(path);
db.pragma("busy_timeout = 5000");
const checkpoint = () => {
  try {
    // PASSIVE: copies what it can without waiting for readers or writers.
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // A busy or failing file: the next round tries again (the main thread's own writes report failures).
  }
};
const timer = setInterval(checkpoint, intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
