/**
 * The Deno helper worker behind the component engine's blocking host (WorkerBlockingHost): it opens
 * its own connection to the Deno KV database and answers kv calls while the main thread waits.
 */
import { HostCallServer, SharedAnswerSlot, type HostRequest } from "../../capabilities/host-call-protocol.ts";
import { DenoKvStore } from "./deno-kv-store.ts";
import { openDenoKv } from "./deno-kv.ts";

/** The first message: the answer slot and the database. */
export interface HostWorkerInit {
  slot: SharedArrayBuffer;
  kvPath: string;
}

declare const self: { onmessage: (event: MessageEvent<HostWorkerInit | HostRequest>) => void };

let ready: Promise<{ server: HostCallServer; slot: SharedAnswerSlot }> | undefined;

self.onmessage = ({ data }) => {
  if (!("op" in data)) {
    ready = openDenoKv(data.kvPath).then((kv) => ({ server: new HostCallServer({ kv: new DenoKvStore(kv) }), slot: new SharedAnswerSlot(data.slot) }));
    return;
  }
  void ready!.then(({ server, slot }) => server.handle(data, (answer) => slot.write(answer)));
};
