import { HostCallError } from "../../errors.ts";
import { SharedAnswerSlot, valueOf, type HostRequest } from "../../capabilities/host-call-protocol.ts";
import type { RunGrants } from "../../capabilities/grants.ts";
import type { HostLimits } from "../../capabilities/capability-limits.ts";
import type { BlockingHost, BlockingRun } from "./blocking-host.ts";

/** A helper an adapter started (a Web Worker on Deno and Bun) that serves `HostRequest`s with a `HostCallServer`. */
export interface HostHelper {
  post(request: HostRequest): void;
  terminate(): void;
}

/**
 * A BlockingHost for runtimes whose main thread may block (Deno, Bun): a helper worker owns kv
 * storage; the caller posts a call and waits with `Atomics.wait` on the shared answer slot until the
 * helper has written the answer, at most until the run's deadline. The adapter supplies the helper:
 * `start` gets the slot's shared buffer, which the helper wraps in a `SharedAnswerSlot` to answer.
 */
export class WorkerBlockingHost implements BlockingHost {
  readonly #start: (slot: SharedArrayBuffer) => HostHelper;
  readonly #capacity: number;
  #helper: { helper: HostHelper; slot: SharedAnswerSlot } | undefined;
  #disposed = false;
  #runs = 0;
  #calls = 0;

  /** The helper starts on the first run that calls kv or http; an answer may take up to `capacity` bytes of JSON. */
  constructor(start: (slot: SharedArrayBuffer) => HostHelper, options: { capacity?: number } = {}) {
    this.#start = start;
    this.#capacity = options.capacity ?? 16 << 20;
  }

  #started() {
    if (this.#disposed) throw new HostCallError("failed", "the host has shut down");
    if (!this.#helper) {
      const slot = new SharedAnswerSlot(this.#capacity);
      this.#helper = { helper: this.#start(slot.buffer), slot };
    }
    return this.#helper;
  }

  open(run: { grants: RunGrants; limits: HostLimits; deadline: number }): BlockingRun {
    const { helper } = this.#started();
    const id = ++this.#runs;
    helper.post({ op: "open", run: id, grants: run.grants, limits: run.limits, deadline: run.deadline });
    let open = true;
    const close = () => {
      if (open && !this.#disposed) helper.post({ op: "close", run: id });
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
    if (deadline <= Date.now()) throw noAnswer();
    const { helper, slot } = this.#started();
    helper.post(request);
    const answer = slot.wait(request.id, deadline);
    if (!answer) throw noAnswer();
    return valueOf(answer);
  }

  dispose(): void {
    this.#disposed = true;
    this.#helper?.helper.terminate();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
