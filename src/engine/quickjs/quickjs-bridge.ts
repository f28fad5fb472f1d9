import type { QuickJSContext, QuickJSDeferredPromise, QuickJSHandle } from "quickjs-emscripten-core";
import { HostCallError } from "../../errors.ts";
import type { RunHost } from "../../host/run-host.ts";
import { serverLog } from "../../server-log.ts";

/**
 * The one function through which a QuickJS guest reaches the host: `bridge(iface, fn, argsJson)`.
 * Arguments arrive as JSON text and answers leave as JSON text (`{ok}` or `{err: {code, message}}`),
 * so no object crosses in either direction. Async host calls answer with a QuickJS promise that is
 * resolved later; the host never calls back into guest code.
 */
export class QuickJSBridge implements Disposable {
  readonly handle: QuickJSHandle;
  readonly #ctx: QuickJSContext;
  readonly #host: RunHost;
  readonly #pending = new Set<QuickJSDeferredPromise>();
  #wake: (() => void) | undefined;
  #closed = false;

  constructor(ctx: QuickJSContext, host: RunHost, options: { maxArgsBytes: number }) {
    this.#ctx = ctx;
    this.#host = host;
    this.handle = ctx.newFunction("bridge", (ifaceHandle, fnHandle, argsHandle) => {
      // Only strings are read: reading anything else would run guest code (toString) inside a host call.
      const text = (h: QuickJSHandle | undefined) => (h && ctx.typeof(h) === "string" ? ctx.getString(h) : undefined);
      const iface = text(ifaceHandle);
      const fn = text(fnHandle);
      const argsJson = text(argsHandle);
      if (iface === undefined || fn === undefined || argsJson === undefined) {
        return ctx.newString(this.#answer(new HostCallError("invalid_argument", "the bridge takes (interface, function, JSON arguments) as strings")));
      }
      if (argsJson.length > options.maxArgsBytes) {
        return ctx.newString(this.#answer(new HostCallError("limit_exceeded", `${iface}.${fn}: the arguments are larger than ${options.maxArgsBytes} bytes`)));
      }
      let result: unknown;
      try {
        const args = JSON.parse(argsJson) as unknown;
        result = host.call(iface, fn, Array.isArray(args) ? args : []);
      } catch (e) {
        return ctx.newString(this.#answer(e));
      }
      if (!(result instanceof Promise)) return ctx.newString(this.#answer(undefined, result));
      const deferred = ctx.newPromise();
      this.#pending.add(deferred);
      result.then(
        (value) => this.#settle(deferred, this.#answer(undefined, value)),
        (error) => this.#settle(deferred, this.#answer(error)),
      );
      return deferred.handle;
    });
  }

  /** Host calls still in flight. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Resolves when some in-flight host call has settled (the guest then has jobs to run). */
  waitForAny(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  #settle(deferred: QuickJSDeferredPromise, answer: string): void {
    if (this.#closed || !deferred.alive) return;
    const text = this.#ctx.newString(answer);
    deferred.resolve(text);
    text.dispose();
    this.#pending.delete(deferred);
    deferred.dispose();
    this.#wake?.();
  }

  #answer(error: unknown, value?: unknown): string {
    if (error === undefined) return JSON.stringify({ ok: value ?? null });
    if (error instanceof HostCallError) return JSON.stringify({ err: { code: error.code, message: this.#host.redact(error.message) } });
    // A host bug: logged here, and the guest gets a plain failure without details.
    serverLog("error", "host call failed", { error });
    return JSON.stringify({ err: { code: "failed", message: "the host could not complete the call" } });
  }

  /** Drops in-flight calls: answers that arrive after the run ended are discarded. */
  dispose(): void {
    this.#closed = true;
    for (const deferred of this.#pending) if (deferred.alive) deferred.dispose();
    this.#pending.clear();
    if (this.handle.alive) this.handle.dispose();
    this.#wake?.();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
