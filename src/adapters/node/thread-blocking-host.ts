import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { HostCallError, type HostErrorCode } from "../../errors.ts";
import type { BlockingHost, BlockingRun } from "../../engine/component/blocking-host.ts";
import type { RunGrants } from "../../host/grants.ts";
import type { HostLimits } from "../../host/host-limits.ts";

export interface HostThreadInit {
  signal: SharedArrayBuffer;
  /** The SQLite file behind `kv`, or the Redis server that holds it. */
  kvPath: string;
  redisUrl?: string;
}
export type HostRequest =
  | { op: "open"; run: number; grants: RunGrants; limits: HostLimits }
  | { op: "close"; run: number }
  | { op: "call"; run: number; id: number; iface: string; fn: string; args: unknown[] };
type HostAnswer = { id: number; value: unknown } | { id: number; error: { code: HostErrorCode; message: string } } | { id: number; bug: string };

const ENTRY = new URL("./host-thread-entry.mjs", import.meta.url);

/**
 * A BlockingHost for Node: a helper thread owns kv storage and outbound HTTP; the caller (a run
 * worker, or any thread) posts a call and waits on a shared word with `Atomics.wait` until the
 * helper has answered, at most until the run's deadline. Answers carry the call's id, so a late
 * answer to a call that timed out is recognised and dropped.
 */
export class ThreadBlockingHost implements BlockingHost {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #word: Int32Array;
  #runs = 0;
  #calls = 0;

  constructor(options: { kvPath: string; redisUrl?: string }) {
    const signal = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    this.#worker = new Worker(ENTRY, {
      workerData: { signal, kvPath: options.kvPath, redisUrl: options.redisUrl, port: port2 } satisfies HostThreadInit & { port: MessagePort },
      transferList: [port2],
    });
    this.#worker.unref();
    this.#port = port1;
    this.#word = new Int32Array(signal);
  }

  open(run: { grants: RunGrants; limits: HostLimits; deadline: number }): BlockingRun {
    const id = ++this.#runs;
    this.#port.postMessage({ op: "open", run: id, grants: run.grants, limits: run.limits } satisfies HostRequest);
    let open = true;
    const close = () => {
      if (open) this.#port.postMessage({ op: "close", run: id } satisfies HostRequest);
      open = false;
    };
    return {
      call: (iface, fn, args) => this.#call({ op: "call", run: id, id: ++this.#calls, iface, fn, args }, run.deadline),
      dispose: close,
      [Symbol.dispose]: close,
    };
  }

  #call(request: Extract<HostRequest, { op: "call" }>, deadline: number): unknown {
    this.#port.postMessage(request);
    for (;;) {
      const seen = Atomics.load(this.#word, 0);
      if (seen === request.id) break;
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.#word, 0, seen, left) === "timed-out") throw new HostCallError("failed", `${request.iface}.${request.fn}: no answer before the run's deadline`);
    }
    for (let m = receiveMessageOnPort(this.#port); m; m = receiveMessageOnPort(this.#port)) {
      const answer = m.message as HostAnswer;
      if (answer.id !== request.id) continue; // a late answer to a call that timed out
      if ("value" in answer) return answer.value;
      if ("error" in answer) throw new HostCallError(answer.error.code, answer.error.message);
      throw new Error(`host thread: ${answer.bug}`);
    }
    throw new Error("host thread: the answer was signalled but not received");
  }

  dispose(): void {
    this.#port.close();
    void this.#worker.terminate();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
