import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from "quickjs-emscripten-core";
import type { GuestError, TrapReason } from "../../errors.ts";
import { Deadline } from "../../limits/deadline.ts";
import { FuelMeter } from "../../limits/fuel.ts";
import { isNearCap } from "../../limits/memory.ts";
import { OutputBuffer, utf8Length } from "../../limits/output.ts";
import { RunHost, type HostServices } from "../../host/run-host.ts";
import type { RunJob, RunOptions, RunOutcome } from "../engine.ts";
import { BRIDGE_KEY, GUEST_KILN_MODULE } from "./guest-kiln.ts";
import { QuickJSBridge } from "./quickjs-bridge.ts";
import { trapError } from "../trap-error.ts";
import { guestErrorFrom, isParseError, type Described } from "./guest-failure.ts";
import { GUEST_GLOBALS } from "./guest-globals.ts";
import { GUEST_PRELUDE } from "./guest-prelude.ts";
import type { PreparedSource } from "./prepare-source.ts";
import type { QuickJSInstance } from "./quickjs-instance.ts";

/** QuickJS's own stack check must fire before V8's native stack overflows (measured safe up to 384 KiB). */
const MAX_STACK_BYTES = 256 * 1024;
const SCRIPT_NAME = "script.js";

type Settled = { value: QuickJSHandle } | { error: QuickJSHandle } | { pending: true };

const errorOf = (settled: Settled): QuickJSHandle | undefined => ("error" in settled ? settled.error : undefined);


/**
 * One run of guest code on a fresh runtime and context inside a QuickJS instance.
 * The run owns every handle it creates and frees them all on dispose.
 */
export class QuickJSRun implements Disposable {
  readonly #instance: QuickJSInstance;
  readonly #job: RunJob;
  readonly #rt: QuickJSRuntime;
  readonly #ctx: QuickJSContext;
  readonly #handles: QuickJSHandle[] = [];
  readonly #fuel: FuelMeter;
  readonly #deadline: Deadline;
  readonly #output: OutputBuffer;
  readonly #services: HostServices;
  /** The host side and its bridge, created only when the script imports `kiln`. */
  #host: RunHost | undefined;
  #bridge: QuickJSBridge | undefined;
  #trap: TrapReason | undefined;

  constructor(instance: QuickJSInstance, job: RunJob, options: RunOptions & { services?: HostServices } = {}) {
    this.#instance = instance;
    this.#job = job;
    this.#services = options.services ?? {};
    this.#fuel = new FuelMeter(job.limits.fuel);
    this.#deadline = new Deadline(job.limits.timeoutMs);
    this.#output = new OutputBuffer(job.limits.maxOutputBytes);
    this.#rt = instance.module.newRuntime();
    this.#rt.setMaxStackSize(MAX_STACK_BYTES);
    // Not a bound (QuickJS counts ~8 bytes per block here); it makes single huge allocations fail early.
    this.#rt.setMemoryLimit(Math.floor((job.limits.memoryMb * 1024 * 1024) / 2));
    this.#rt.setModuleLoader((name) => (name === "kiln" ? this.#openBridge() : { error: new Error(`Cannot find module '${name}'`) }));
    this.#rt.setInterruptHandler(() => {
      if (this.#trap) return true;
      if (this.#fuel.burn()) return this.#stop("fuel_exhausted");
      options.onFuel?.(this.#fuel.used);
      if (this.#deadline.expired()) return this.#stop("timeout");
      return false;
    });
    this.#ctx = this.#rt.newContext();
  }

  /** Evaluates the prepared source, calls its entry point and settles the result. */
  async execute(source: PreparedSource): Promise<RunOutcome> {
    const api = this.#installPrelude();
    let kind = source.kind;
    let evaluated = this.#evaluate(source.code, kind);
    // The line-based guess missed an import/export in mid-line: nothing ran yet, so parse again as a module.
    if (evaluated.error && kind === "script" && /\b(?:import|export)\b/.test(source.code)) {
      const described = this.#describe(this.#own(evaluated.error), api.describe);
      if (described && isParseError(described, SCRIPT_NAME)) {
        kind = "module";
        evaluated = this.#evaluate(source.code, kind);
      }
    }
    if (evaluated.error) return this.#fail(this.#own(evaluated.error), api);
    let namespace = this.#ctx.undefined;
    if (kind === "module") {
      const settled = await this.#settle(this.#own(evaluated.value), api.tick);
      if (!("value" in settled)) return this.#fail(errorOf(settled), api);
      namespace = settled.value;
    } else {
      this.#own(evaluated.value);
    }

    if (this.#job.evaluateOnly) return this.#succeed("null");
    const ctxJson = JSON.stringify({ language: this.#job.language, limits: this.#publicLimits() });
    const promise = this.#call(api.invoke, [namespace, this.#string(this.#job.inputJson), this.#string(ctxJson)]);
    if ("error" in promise) return this.#fail(promise.error, api);
    const settled = await this.#settle(promise.value, api.tick);
    if (!("value" in settled)) return this.#fail(errorOf(settled), api);
    const json = this.#ctx.getString(this.#own(this.#ctx.getProp(settled.value, "json")));
    if (this.#ctx.dump(this.#own(this.#ctx.getProp(settled.value, "drain")))) {
      const drained = await this.#settle(undefined, api.tick);
      if (!("value" in drained)) return this.#fail(errorOf(drained), api);
    }
    return this.#succeed(json);
  }

  /**
   * The host bridge exists only once a script imports `kiln`: it is left on a non-enumerable
   * symbol-keyed global for the module to pick up, and the module's source is returned.
   */
  #openBridge(): string {
    if (!this.#bridge) {
      const { limits } = this.#job.host;
      this.#host = new RunHost({ ...this.#job.host, services: this.#services });
      this.#bridge = new QuickJSBridge(this.#ctx, this.#host, { maxArgsBytes: limits.httpMaxRequestBytes + limits.kvMaxValueBytes + 65_536 });
      const key = this.#own(this.#ctx.newSymbolFor(BRIDGE_KEY));
      this.#ctx.defineProp(this.#ctx.global, key, { value: this.#bridge.handle, configurable: false, enumerable: false });
    }
    return GUEST_KILN_MODULE;
  }

  #evaluate(code: string, kind: PreparedSource["kind"]) {
    return this.#ctx.evalCode(code, SCRIPT_NAME, { type: kind === "module" ? "module" : "global" });
  }

  #installPrelude(): { invoke: QuickJSHandle; tick: QuickJSHandle; describe: QuickJSHandle } {
    const write = this.#own(
      this.#ctx.newFunction("write", (streamHandle, textHandle) => {
        const stream = this.#ctx.getNumber(streamHandle) === 1 ? "stderr" : "stdout";
        if (!this.#output.write(stream, this.#ctx.getString(textHandle))) this.#stop("output_limit");
      }),
    );
    const factory = this.#ctx.unwrapResult(this.#ctx.evalCode(GUEST_PRELUDE, "kiln:prelude", { type: "global" }));
    // Compiled inside the guest only when the script first touches console or a timer.
    const loadGlobals = this.#own(
      this.#ctx.newFunction("loadGlobals", () => this.#ctx.evalCode(GUEST_GLOBALS, "kiln:globals", { type: "global" })),
    );
    const args = [write, loadGlobals];
    const api = this.#own(this.#ctx.unwrapResult(this.#ctx.callFunction(this.#own(factory), this.#ctx.undefined, ...args)));
    return {
      invoke: this.#own(this.#ctx.getProp(api, "invoke")),
      tick: this.#own(this.#ctx.getProp(api, "tick")),
      describe: this.#own(this.#ctx.getProp(api, "describe")),
    };
  }

  /**
   * Drives the job queue and the virtual timers until `promise` settles. When nothing is
   * left that could settle it (a callback that is never called), the run ends as a timeout.
   * Without a promise it drains: it runs until no job or timer is left.
   */
  async #settle(promise: QuickJSHandle | undefined, tick: QuickJSHandle): Promise<Settled> {
    for (;;) {
      if (this.#trap) return { pending: true };
      if (promise) {
        const state = this.#ctx.getPromiseState(promise);
        if (state.type === "fulfilled") return { value: state.notAPromise ? promise : this.#own(state.value) };
        if (state.type === "rejected") return { error: this.#own(state.error) };
      }
      if (this.#rt.hasPendingJob()) {
        const jobs = this.#rt.executePendingJobs();
        if (jobs.error) return { error: this.#own(jobs.error) };
        continue;
      }
      if (this.#deadline.expired()) {
        this.#stop("timeout");
        continue;
      }
      if (this.#bridge?.pending) {
        // Waiting on the host burns no fuel but counts toward the deadline.
        await this.#waitForHost();
        continue;
      }
      const fired = this.#call(tick, []);
      if ("error" in fired) return fired;
      if (this.#ctx.typeof(fired.value) !== "boolean" || !this.#ctx.dump(fired.value)) {
        if (!promise) return { value: this.#ctx.undefined };
        this.#stop("timeout", "The run never finished: its promise is pending with nothing left to run (was the callback called?)");
        return { pending: true };
      }
      if (this.#fuel.burn()) this.#stop("fuel_exhausted");
    }
  }

  async #waitForHost(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, this.#deadline.at - Date.now()) + 1)));
    await Promise.race([this.#bridge!.waitForAny(), deadline]);
    clearTimeout(timer);
  }

  #call(fn: QuickJSHandle, args: QuickJSHandle[]): { value: QuickJSHandle } | { error: QuickJSHandle } {
    const r = this.#ctx.callFunction(fn, this.#ctx.undefined, ...args);
    return r.error ? { error: this.#own(r.error) } : { value: this.#own(r.value) };
  }

  #string(text: string): QuickJSHandle {
    return this.#own(this.#ctx.newString(text));
  }

  #own<T extends QuickJSHandle>(handle: T): T {
    this.#handles.push(handle);
    return handle;
  }

  #trapMessage: string | undefined;
  #stop(reason: TrapReason, message?: string): true {
    if (!this.#trap) {
      this.#trap = reason;
      this.#trapMessage = message;
    }
    return true;
  }

  #succeed(json: string): RunOutcome {
    if (utf8Length(json) > this.#job.limits.maxResultBytes) {
      this.#stop("output_limit", `The result is larger than ${this.#job.limits.maxResultBytes} bytes`);
      return this.#outcome({ ok: false, error: this.#trapError() });
    }
    let result: unknown;
    try {
      result = JSON.parse(json);
    } catch {
      // The guest's JSON.stringify was captured before its code ran; unreadable text means a
      // host call failed near the memory cap.
      if (isNearCap(this.#instance.memory, this.#job.limits.memoryMb)) {
        this.#stop("memory_exhausted");
        return this.#outcome({ ok: false, error: this.#trapError() });
      }
      throw new Error("the guest's result could not be read as JSON");
    }
    return this.#outcome({ ok: true, result });
  }

  #fail(handle: QuickJSHandle | undefined, api: { describe: QuickJSHandle }): RunOutcome {
    const described = handle && !this.#trap ? this.#describe(handle, api.describe) : undefined;
    if (!this.#trap) {
      if (described?.name === "InternalError" && described.message === "out of memory") this.#stop("memory_exhausted");
      else if (!described && isNearCap(this.#instance.memory, this.#job.limits.memoryMb)) this.#stop("memory_exhausted");
      else if (described?.name === "InternalError" && described.message === "interrupted") this.#stop("timeout");
    }
    if (this.#trap) return this.#outcome({ ok: false, error: this.#trapError() });
    const error = guestErrorFrom(described ?? { message: "The script failed with an error that could not be described" }, SCRIPT_NAME);
    return this.#outcome({ ok: false, error });
  }

  #describe(handle: QuickJSHandle, describe: QuickJSHandle): Described | undefined {
    const r = this.#call(describe, [handle]);
    if ("error" in r || this.#ctx.typeof(r.value) !== "string") return undefined;
    try {
      return JSON.parse(this.#ctx.getString(r.value)) as Described;
    } catch {
      return undefined;
    }
  }

  #trapError(): GuestError {
    return trapError(this.#trap!, this.#job.limits, this.#trapMessage);
  }

  #publicLimits() {
    const { fuel, memoryMb, timeoutMs } = this.#job.limits;
    return { fuel, memoryMb, timeoutMs };
  }

  #outcome(result: { ok: true; result: unknown } | { ok: false; error: GuestError }): RunOutcome {
    return {
      ...result,
      stdout: this.#output.stdout,
      stderr: this.#output.stderr,
      logs: this.#host?.logs ?? [],
      usage: { fuel: this.#fuel.used, memoryBytes: this.#instance.memory.buffer.byteLength, wallMs: this.#deadline.elapsedMs() },
    };
  }

  /** Frees every handle, the context and the runtime. An exception here poisons the instance. */
  dispose(): void {
    try {
      this.#host?.dispose();
      this.#bridge?.dispose();
      for (const handle of this.#handles.reverse()) if (handle.alive) handle.dispose();
      this.#ctx.dispose();
      this.#rt.dispose();
    } catch (e) {
      this.#instance.poison();
      throw e;
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
