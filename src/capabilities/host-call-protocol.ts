/**
 * The messages between a blocked caller and the helper that answers its kv and http calls (see
 * src/engine/component/blocking-host.ts), shared by every runtime's helper: Node's helper thread,
 * and the Web Worker that Deno and Bun start. Requests go to the helper as messages; the helper
 * answers calls in order, one at a time, through `HostCallServer`.
 */
import { HostCallError, type HostErrorCode } from "../errors.ts";
import type { RunGrants } from "./grants.ts";
import type { HostLimits } from "./capability-limits.ts";
import { RunHost, type HostServices } from "./run-host.ts";

export type HostRequest =
  | { op: "open"; run: number; grants: RunGrants; limits: HostLimits; deadline: number }
  | { op: "close"; run: number }
  | { op: "call"; run: number; id: number; iface: string; fn: string; args: unknown[] };

/** A call's answer: its value, the guest's HostError, or a host bug's message. */
export type HostAnswer = { id: number; value: unknown } | { id: number; error: { code: HostErrorCode; message: string } } | { id: number; bug: string };

/**
 * The runs a helper holds open and the calls it answers. Calls are served one at a time in the order
 * they came, so a late answer (to a call whose caller stopped waiting) is always given before the
 * answer to the next call.
 */
export class HostCallServer {
  readonly #services: HostServices;
  readonly #runs = new Map<number, RunHost>();
  #queue: Promise<void> = Promise.resolve();

  constructor(services: HostServices) {
    this.#services = services;
  }

  /**
   * Serves `request`; `answer` is called with a call's answer once it is known. Opening and closing a
   * run take effect at once (closing aborts the run's call in flight, an http request that outlived
   * its caller); calls wait for the ones before them.
   */
  handle(request: HostRequest, answer: (answer: HostAnswer) => void): void {
    if (request.op === "open") {
      this.#runs.set(request.run, new RunHost({ grants: request.grants, limits: request.limits, services: this.#services, deadline: request.deadline }));
    } else if (request.op === "close") {
      this.#runs.get(request.run)?.dispose();
      this.#runs.delete(request.run);
    } else {
      const host = this.#runs.get(request.run);
      this.#queue = this.#queue.then(async () => answer(await HostCallServer.#answer(host, request)));
    }
  }

  static async #answer(host: RunHost | undefined, request: Extract<HostRequest, { op: "call" }>): Promise<HostAnswer> {
    try {
      if (!host) throw new HostCallError("failed", "the run has ended");
      return { id: request.id, value: (await host.call(request.iface, request.fn, request.args)) ?? null };
    } catch (e) {
      return e instanceof HostCallError ? { id: request.id, error: { code: e.code, message: e.message } } : { id: request.id, bug: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
  }

  dispose(): void {
    for (const host of this.#runs.values()) host.dispose();
    this.#runs.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Bytes before an answer in a shared answer slot: the signal word, the answer's call id, its length. */
const HEADER = 12;

/**
 * One answer at a time in shared memory, for runtimes without a synchronous message receive (Deno
 * and Bun): the helper writes the answer's JSON and then stores its call id in the signal word and
 * wakes the caller, who waits on that word with `Atomics.wait`.
 */
export class SharedAnswerSlot {
  readonly buffer: SharedArrayBuffer;
  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;

  /** A new slot of `capacity` bytes, or the view of one another thread made. */
  constructor(from: number | SharedArrayBuffer) {
    this.buffer = typeof from === "number" ? new SharedArrayBuffer(HEADER + from) : from;
    this.#words = new Int32Array(this.buffer, 0, 3);
    this.#bytes = new Uint8Array(this.buffer, HEADER);
  }

  /** The helper's side: writes `answer` (a `failed` HostError when it does not fit) and wakes the caller. */
  write(answer: HostAnswer): void {
    let bytes = new TextEncoder().encode(JSON.stringify(answer));
    if (bytes.length > this.#bytes.length) {
      const tooLarge: HostAnswer = { id: answer.id, error: { code: "failed", message: `the host's answer is over ${this.#bytes.length} bytes` } };
      bytes = new TextEncoder().encode(JSON.stringify(tooLarge));
    }
    this.#bytes.set(bytes);
    Atomics.store(this.#words, 1, answer.id);
    Atomics.store(this.#words, 2, bytes.length);
    Atomics.store(this.#words, 0, answer.id);
    Atomics.notify(this.#words, 0);
  }

  /**
   * The caller's side: blocks until the answer to call `id` is written, at most until `deadline`
   * (epoch ms); undefined when it did not come in time. Answers to earlier calls are skipped.
   */
  wait(id: number, deadline: number): HostAnswer | undefined {
    for (;;) {
      const seen = Atomics.load(this.#words, 0);
      if (seen === id) break;
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.#words, 0, seen, left) === "timed-out") return undefined;
    }
    if (Atomics.load(this.#words, 1) !== id) return undefined;
    const length = Atomics.load(this.#words, 2);
    // TextDecoder refuses views of shared memory: copy the bytes out first.
    return JSON.parse(new TextDecoder().decode(this.#bytes.slice(0, length))) as HostAnswer;
  }
}

/** The value of a call's answer, or its HostError thrown; a helper's bug is a host error, not the guest's. */
export function valueOf(answer: HostAnswer): unknown {
  if ("value" in answer) return answer.value;
  if ("error" in answer) throw new HostCallError(answer.error.code, answer.error.message);
  throw new Error(`host helper: ${answer.bug}`);
}
