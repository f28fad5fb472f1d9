import type { OutputEvent } from "../../engine/engine.ts";

/**
 * A worker's output events on their way to the main thread (a streamed run): one `postMessage` per batch,
 * not per write, so a guest printing in a tight loop does not flood the port, and never a wait (the guest
 * runs on this thread; the main thread buffers for the client, within the run's output cap).
 *
 * A guest runs synchronously, so no timer fires while it computes: a write goes out at once while the
 * batch budget allows (a bucket of `burst` batches, refilled one per `intervalMs`: a program that prints a
 * few lines and then computes shows them all at once). Past it, writes gather and go out with a later
 * write once the bucket refills, when they hold `maxChars`, when the engine polls its fuel meter (`poll`,
 * QuickJS), on a timer once the thread is free again (a run awaiting the host), and at the run's end
 * (`flush`). So a tight print loop costs at most one message per `intervalMs` beyond its first `burst`.
 */
export class OutputBatcher implements Disposable {
  readonly #send: (events: OutputEvent[]) => void;
  readonly #intervalMs: number;
  readonly #maxChars: number;
  readonly #burst: number;
  #pending: OutputEvent[] = [];
  #chars = 0;
  /** Batches that may go out now, and when that count was last brought up to date. */
  #tokens: number;
  #refilled = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(send: (events: OutputEvent[]) => void, options: { intervalMs?: number; maxChars?: number; burst?: number } = {}) {
    this.#send = send;
    this.#intervalMs = options.intervalMs ?? 2;
    this.#maxChars = options.maxChars ?? 16_384;
    this.#burst = this.#tokens = options.burst ?? 32;
  }

  push(event: OutputEvent): void {
    const last = this.#pending.at(-1);
    // Consecutive text of one stream travels as one chunk.
    if (last && last.stream === event.stream && "text" in last && "text" in event) this.#pending[this.#pending.length - 1] = { stream: last.stream, text: last.text + event.text };
    else this.#pending.push(event);
    this.#chars += "text" in event ? event.text.length : event.message.length;
    if (this.#chars >= this.#maxChars) this.flush();
    else this.poll();
    if (this.#pending.length && this.#timer === undefined) this.#timer = setTimeout(() => this.flush(), this.#intervalMs);
  }

  /** Sends what is pending if the budget allows a batch now. */
  poll(): void {
    if (!this.#pending.length) return;
    const now = performance.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#refilled) / this.#intervalMs);
    this.#refilled = now;
    if (this.#tokens >= 1) this.flush();
  }

  /** Sends what is pending now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#pending.length) return;
    const events = this.#pending;
    this.#pending = [];
    this.#chars = 0;
    this.#tokens = Math.max(0, this.#tokens - 1);
    this.#send(events);
  }

  /** Sends what is pending and stops the timer. */
  dispose(): void {
    this.flush();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
