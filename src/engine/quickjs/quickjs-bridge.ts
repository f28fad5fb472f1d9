import type { QuickJSContext, QuickJSDeferredPromise, QuickJSHandle } from "quickjs-emscripten-core";
import { HostCallError } from "../../errors.ts";
import type { RunHost } from "../../capabilities/run-host.ts";
import { serverLog } from "../../server-log.ts";

/** The run a bridge serves now: its host and the cap on one call's JSON arguments. */
export interface BridgeTarget {
  host: RunHost;
  maxArgsBytes: number;
}

/**
 * The one function through which a QuickJS guest reaches the host: `bridge(iface, fn, argsJson)`.
 * Arguments arrive as JSON text and answers leave as JSON text (`{ok}` or `{err: {code, message}}`),
 * so no object crosses in either direction. Async host calls answer with a QuickJS promise that is
 * resolved later; the host never calls back into guest code.
 *
 * A bridge belongs to a context, which may serve many runs (a snapshot's context does): each call
 * goes to the run attached at that moment, and `detach` drops what a run left in flight.
 */
export class QuickJSBridge implements Disposable {
  readonly handle: QuickJSHandle;
  /** The host function behind `handle` (registered with the runtime's host refs). */
  readonly hostFunction: (...args: QuickJSHandle[]) => QuickJSHandle;
  readonly #ctx: QuickJSContext;
  #target: BridgeTarget | undefined;
  #pending = new Set<QuickJSDeferredPromise>();
  #wake: (() => void) | undefined;
  /** Calls made since the bridge was created (a snapshot is never taken after one). */
  calls = 0;

  /** `handle`: the guest function, when it already exists in a restored snapshot. */
  constructor(ctx: QuickJSContext, options: { handle?: QuickJSHandle } = {}) {
    this.#ctx = ctx;
    this.hostFunction = (ifaceHandle, fnHandle, argsHandle) => {
      this.calls++;
      const target = this.#target;
      // Only strings are read: reading anything else would run guest code (toString) inside a host call.
      const text = (h: QuickJSHandle | undefined) => (h && ctx.typeof(h) === "string" ? ctx.getString(h) : undefined);
      const iface = text(ifaceHandle);
      const fn = text(fnHandle);
      const argsJson = text(argsHandle);
      if (!target) return ctx.newString(this.#answer(new HostCallError("failed", "no run is attached to this context")));
      if (iface === undefined || fn === undefined || argsJson === undefined) {
        return ctx.newString(this.#answer(new HostCallError("invalid_argument", "the bridge takes (interface, function, JSON arguments) as strings"), undefined, target));
      }
      if (argsJson.length > target.maxArgsBytes) {
        return ctx.newString(this.#answer(new HostCallError("limit_exceeded", `${iface}.${fn}: the arguments are larger than ${target.maxArgsBytes} bytes`), undefined, target));
      }
      let result: unknown;
      try {
        const args = JSON.parse(argsJson) as unknown;
        result = target.host.call(iface, fn, Array.isArray(args) ? args : []);
      } catch (e) {
        return ctx.newString(this.#answer(e, undefined, target));
      }
      if (!(result instanceof Promise)) return ctx.newString(this.#answer(undefined, result, target));
      const deferred = ctx.newPromise();
      const pending = this.#pending;
      pending.add(deferred);
      result.then(
        (value) => this.#settle(pending, deferred, this.#answer(undefined, value, target)),
        (error) => this.#settle(pending, deferred, this.#answer(error, undefined, target)),
      );
      return deferred.handle;
    };
    this.handle = options.handle ?? ctx.newFunction("bridge", this.hostFunction);
  }

  /** Points the bridge at a run. */
  attach(target: BridgeTarget): void {
    this.#target = target;
  }

  /** Host calls still in flight. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Resolves when some in-flight host call has settled (the guest then has jobs to run). */
  waitForAny(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  #settle(pending: Set<QuickJSDeferredPromise>, deferred: QuickJSDeferredPromise, answer: string): void {
    // An answer for a run that was detached meanwhile is dropped: its set is no longer the bridge's.
    if (pending !== this.#pending || !deferred.alive) return;
    const text = this.#ctx.newString(answer);
    deferred.resolve(text);
    text.dispose();
    pending.delete(deferred);
    deferred.dispose();
    this.#wake?.();
  }

  #answer(error: unknown, value?: unknown, target?: BridgeTarget): string {
    if (error === undefined) return JSON.stringify({ ok: value ?? null });
    if (error instanceof HostCallError) {
      const message = target ? target.host.redact(error.message) : error.message;
      return JSON.stringify({ err: { code: error.code, message } });
    }
    // A host bug: logged here, and the guest gets a plain failure without details.
    serverLog("error", "host call failed", { error });
    return JSON.stringify({ err: { code: "failed", message: "the host could not complete the call" } });
  }

  /**
   * Ends the attached run: its in-flight calls are dropped (answers that arrive later are discarded).
   * `free: false` leaves their promise handles to a memory reset instead of freeing them.
   */
  detach(options: { free: boolean } = { free: true }): void {
    if (options.free) for (const deferred of this.#pending) if (deferred.alive) deferred.dispose();
    this.#pending = new Set();
    this.#target = undefined;
    this.#wake?.();
  }

  dispose(): void {
    this.detach();
    if (this.handle.alive) this.handle.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
