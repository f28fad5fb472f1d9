import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { HostCallError } from "../../errors.ts";
import type { BlockingHost, BlockingRun } from "../../engine/component/blocking-host.ts";
import type { RunGrants } from "../../capabilities/grants.ts";
import type { HostLimits } from "../../capabilities/capability-limits.ts";
import type { HostAnswer, HostRequest } from "../../capabilities/host-call-protocol.ts";

export interface HostThreadInit {
  signal: SharedArrayBuffer;
  /** The SQLite file behind `kv`, or the Redis server that holds it. */
  kvPath: string;
  redisUrl?: string;
}
export type { HostRequest };

const ENTRY = new URL("./host-thread-entry.mjs", import.meta.url);

/**
 * A BlockingHost for Node: a helper thread owns kv storage and outbound HTTP; the caller (a run
 * worker, or any thread) posts a call and waits on a shared word with `Atomics.wait` until the
 * helper has answered, at most until the run's deadline. Answers carry the call's id, so a late
 * answer to a call that timed out is recognised and dropped.
 */
export class ThreadBlockingHost implements BlockingHost {
  readonly #options: { kvPath: string; redisUrl?: string };
  #thread: { worker: Worker; port: MessagePort; word: Int32Array; exited: Promise<void> } | undefined;
  #disposed = false;
  #runs = 0;
  #calls = 0;

  /** The helper thread starts on the first run that calls kv or http. */
  constructor(options: { kvPath: string; redisUrl?: string }) {
    this.#options = options;
  }

  /** Settles once the helper thread (if it ever started) has exited, after `dispose`. */
  get exited(): Promise<void> {
    return this.#thread?.exited ?? Promise.resolve();
  }

  #start() {
    if (this.#disposed) throw new HostCallError("failed", "the host has shut down");
    if (this.#thread) return this.#thread;
    const signal = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(ENTRY, {
      workerData: { signal, kvPath: this.#options.kvPath, redisUrl: this.#options.redisUrl, port: port2 } satisfies HostThreadInit & { port: MessagePort },
      transferList: [port2],
    });
    worker.unref();
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    this.#thread = { worker, port: port1, word: new Int32Array(signal), exited };
    return this.#thread;
  }

  open(run: { grants: RunGrants; limits: HostLimits; deadline: number }): BlockingRun {
    const { port } = this.#start();
    const id = ++this.#runs;
    port.postMessage({ op: "open", run: id, grants: run.grants, limits: run.limits, deadline: run.deadline } satisfies HostRequest);
    let open = true;
    const close = () => {
      if (open && !this.#disposed) port.postMessage({ op: "close", run: id } satisfies HostRequest);
      open = false;
    };
    return {
      call: (iface, fn, args) => this.#call({ op: "call", run: id, id: ++this.#calls, iface, fn, args }, run.deadline),
      dispose: close,
      [Symbol.dispose]: close,
    };
  }

  #call(request: Extract<HostRequest, { op: "call" }>, deadline: number): unknown {
    const noAnswer = () => new HostCallError("failed", `${request.iface}.${request.fn}: no answer before the run's deadline`);
    // Past its deadline a call is not sent at all (a fast helper could otherwise still answer it).
    if (deadline <= Date.now()) throw noAnswer();
    const { port, word } = this.#start();
    port.postMessage(request);
    for (;;) {
      const seen = Atomics.load(word, 0);
      if (seen === request.id) break;
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(word, 0, seen, left) === "timed-out") throw noAnswer();
    }
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      const answer = m.message as HostAnswer;
      if (answer.id !== request.id) continue; // a late answer to a call that timed out
      if ("value" in answer) return answer.value;
      if ("error" in answer) throw new HostCallError(answer.error.code, answer.error.message);
      throw new Error(`host thread: ${answer.bug}`);
    }
    throw new Error("host thread: the answer was signalled but not received");
  }

  dispose(): void {
    this.#disposed = true;
    this.#thread?.port.close();
    void this.#thread?.worker.terminate();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
