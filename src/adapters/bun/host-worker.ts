/**
 * The Bun helper worker behind the component engine's blocking host (WorkerBlockingHost): it opens
 * its own `bun:sqlite` connection to the server's file and answers kv calls while the main thread waits.
 */
import { HostCallServer, SharedAnswerSlot, type HostRequest } from "../../capabilities/host-call-protocol.ts";
import { openBunSqlite } from "./bun-sqlite.ts";
import { BunSqliteKvStore } from "./bun-sqlite-kv-store.ts";

/** The first message: the answer slot and the database file. */
export interface HostWorkerInit {
  slot: SharedArrayBuffer;
  dbPath: string;
}

declare const self: { onmessage: (event: MessageEvent<HostWorkerInit | HostRequest>) => void };

let served: { server: HostCallServer; slot: SharedAnswerSlot } | undefined;

self.onmessage = ({ data }) => {
  if (!("op" in data)) {
    served = { server: new HostCallServer({ kv: new BunSqliteKvStore(openBunSqlite(data.dbPath)) }), slot: new SharedAnswerSlot(data.slot) };
    return;
  }
  const { server, slot } = served!;
  server.handle(data, (answer) => slot.write(answer));
};
