import { Worker } from "node:worker_threads";
import type { ComponentChecker } from "../../engine/component/component-checker.ts";
import { RequestError, type RequestErrorCode } from "../../errors.ts";

const ENTRY = new URL("./component-check-entry.mjs", import.meta.url);

export interface CheckRequest {
  id: number;
  bytes: Uint8Array;
  cacheDir: string;
}
type Shape = { imports: string[]; exports: string[] };
export type CheckReply = { id: number } & ({ shape: Shape } | { requestError: { code: RequestErrorCode; message: string } } | { hostError: string });

/**
 * Checks and prepares uploaded components on a thread of their own, one at a time: jco and binaryen
 * work synchronously for seconds (a 16 MiB component for much longer), and on the serving thread
 * every other request would wait. A check that outlasts `timeoutMs` stops the thread (the next
 * upload starts a new one) and is refused with `invalid_component`. The thread starts on the first
 * upload, stays for the next ones, and never keeps the process alive.
 */
export class ThreadedComponentChecker implements ComponentChecker, Disposable {
  #thread?: { worker: Worker; exited: Promise<void> };
  #pending = new Map<number, { resolve: (shape: Shape) => void; reject: (e: Error) => void }>();
  #queue: Promise<unknown> = Promise.resolve();
  #ids = 0;
  #disposed = false;

  constructor(private readonly options: { cacheDir: string; timeoutMs: number }) {}

  check(bytes: Uint8Array): Promise<Shape> {
    const next = this.#queue.then(() => this.#checkNow(bytes));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Resolves when the thread (if any) has exited; tests use it to check that none leaks. */
  get exited(): Promise<void> {
    return this.#thread?.exited ?? Promise.resolve();
  }

  #checkNow(bytes: Uint8Array): Promise<Shape> {
    if (this.#disposed) return Promise.reject(new RequestError("unavailable", "The server is shutting down"));
    const { worker } = this.#start();
    const id = ++this.#ids;
    return new Promise<Shape>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.get(id)?.reject(new RequestError("invalid_component", `Checking and preparing the component took longer than ${this.options.timeoutMs} ms`));
        this.#stop();
      }, this.options.timeoutMs);
      const settle = <T>(f: (v: T) => void) => (v: T) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        f(v);
      };
      this.#pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      worker.postMessage({ id, bytes, cacheDir: this.options.cacheDir } satisfies CheckRequest);
    });
  }

  #start() {
    if (this.#thread) return this.#thread;
    const worker = new Worker(ENTRY, { stdout: false, stderr: false });
    worker.unref();
    worker.on("message", (reply: CheckReply) => {
      const waiter = this.#pending.get(reply.id);
      if (!waiter) return;
      if ("shape" in reply) waiter.resolve(reply.shape);
      else if ("requestError" in reply) waiter.reject(new RequestError(reply.requestError.code, reply.requestError.message));
      else waiter.reject(new Error(`checking a component failed: ${reply.hostError}`));
    });
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    const thread = { worker, exited };
    worker.once("error", (e) => this.#failAll(e));
    void exited.then(() => {
      if (this.#thread === thread) this.#thread = undefined;
      this.#failAll(new Error("the component checker's thread exited"));
    });
    this.#thread = thread;
    return thread;
  }

  #failAll(e: Error) {
    for (const waiter of [...this.#pending.values()]) waiter.reject(e);
  }

  #stop() {
    const thread = this.#thread;
    this.#thread = undefined;
    void thread?.worker.terminate();
  }

  dispose(): void {
    this.#disposed = true;
    this.#stop();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
