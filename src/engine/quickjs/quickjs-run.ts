import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from "quickjs-emscripten-core";
import type { GuestError, TrapReason } from "../../errors.ts";
import { Deadline } from "../../limits/deadline.ts";
import { FuelMeter } from "../../limits/fuel.ts";
import { OutputBuffer, utf8Length } from "../../limits/output.ts";
import { RunHost, type HostServices } from "../../capabilities/run-host.ts";
import type { HostTape } from "../../capabilities/host-tape.ts";
import type { RunJob, RunOptions, RunOutcome } from "../engine.ts";
import type { BridgeTarget } from "./quickjs-bridge.ts";
import { endedNearCap, trapError } from "../outcome.ts";
import { guestErrorFrom, isParseError, type Described, type ErrorSource } from "./guest-failure.ts";
import { JAVASCRIPT_FILE, type PreparedSource } from "./prepare-source.ts";
import type { QuickJSSession, SessionApi, SessionRun } from "./quickjs-session.ts";
import { RunModules } from "./run-modules.ts";

type Settled = { value: QuickJSHandle } | { error: QuickJSHandle } | { pending: true };

const errorOf = (settled: Settled): QuickJSHandle | undefined => ("error" in settled ? settled.error : undefined);

/** Where a run starts when its session was restored from a snapshot: what the top level already used and printed. */
export interface RunStart {
  fuel: number;
  stdout: string;
  stderr: string;
}

/**
 * One run of guest code in a session (a QuickJS runtime and context). The run owns every handle it
 * creates: `dispose` frees them; `release` only drops them, for a session whose memory is reset next.
 */
export class QuickJSRun implements SessionRun, Disposable {
  readonly #session: QuickJSSession;
  readonly #job: RunJob;
  readonly #rt: QuickJSRuntime;
  readonly #ctx: QuickJSContext;
  readonly #handles: QuickJSHandle[] = [];
  readonly #fuel: FuelMeter;
  readonly #deadline: Deadline;
  readonly #output: OutputBuffer;
  readonly #services: HostServices;
  readonly #onFuel: RunOptions["onFuel"];
  /** Keeps (or, on a replay, answers) the run's host calls and clock readings. */
  readonly #tape: HostTape | undefined;
  readonly #onOutput: RunOptions["onOutput"];
  /** The host side, created only when the script reaches `kiln`. */
  #host: RunHost | undefined;
  #trap: TrapReason | undefined;
  /** What error positions refer to (set again by `initialize`). */
  #source: ErrorSource;
  /** Time the run spent before its sandbox (transpiling, bounded by the deadline on its own): counted in its wall time. */
  readonly #spentMs: number;
  /** The run's files its code may import (set again by `initialize`). */
  modules: RunModules;

  /**
   * `source` says where errors point when the run starts from a snapshot (`initialize` is given it
   * otherwise); `spentMs` is the time the run already took before it got here (transpiling).
   */
  constructor(session: QuickJSSession, job: RunJob, options: RunOptions & { services?: HostServices; start?: RunStart; source?: ErrorSource; spentMs?: number; tape?: HostTape } = {}) {
    this.#session = session;
    this.#job = job;
    this.#rt = session.rt;
    this.#ctx = session.ctx;
    this.#services = options.services ?? {};
    this.#onFuel = options.onFuel;
    const tape = (this.#tape = options.tape);
    session.instance.clock.read = tape && (() => Number(tape.clock(() => BigInt(Date.now()))));
    const onOutput = (this.#onOutput = options.onOutput);
    this.#fuel = new FuelMeter(job.limits.fuel);
    this.#spentMs = options.spentMs ?? 0;
    this.#deadline = new Deadline(job.limits.timeoutMs);
    this.#output = new OutputBuffer(job.limits.maxOutputBytes, onOutput && ((stream, text) => onOutput({ stream, text })));
    this.#source = options.source ?? { fileName: JAVASCRIPT_FILE };
    this.modules = new RunModules(options.source?.modules, options.source?.libraries);
    if (options.start) {
      this.#fuel.burn(options.start.fuel);
      this.#output.write("stdout", options.start.stdout);
      this.#output.write("stderr", options.start.stderr);
    }
    session.run = this;
    session.bridge?.attach(this.bridgeTarget());
  }

  /** `setup`: Kiln's own prelude is running, which is counted but never cut short. */
  interrupt(setup = false): boolean {
    if (this.#trap) return true;
    if (this.#fuel.burn() && !setup) return this.#stop("fuel_exhausted");
    this.#onFuel?.(this.#fuel.used);
    if (this.#deadline.expired() && !setup) return this.#stop("timeout");
    return false;
  }

  readStdin(): string {
    return this.#job.stdin ?? "";
  }

  write(stream: "stdout" | "stderr", text: string): void {
    if (!this.#output.write(stream, text)) this.#stop("output_limit");
  }

  bridgeTarget(): BridgeTarget {
    const { limits } = this.#job.host;
    const onOutput = this.#onOutput;
    this.#host ??= new RunHost({ ...this.#job.host, services: this.#services, deadline: this.#deadline.at, onLog: onOutput && ((entry) => onOutput({ stream: "log", ...entry })), tape: this.#tape });
    return { host: this.#host, maxArgsBytes: limits.httpMaxRequestBytes + limits.kvMaxValueBytes + 65_536 };
  }

  /** Fuel used so far. */
  get fuelUsed(): number {
    return this.#fuel.used;
  }

  /** What the run printed so far. */
  get printed(): { stdout: string; stderr: string } {
    return { stdout: this.#output.stdout, stderr: this.#output.stderr };
  }

  /** Evaluates the prepared source and calls its entry point. */
  async execute(source: PreparedSource): Promise<RunOutcome> {
    const failed = await this.initialize(source);
    if (failed) return failed;
    if (this.#job.evaluateOnly) return this.#succeed("null");
    return this.invoke();
  }

  /**
   * Installs the prelude and evaluates the script's top level. Answers an outcome only when that
   * failed; on success the session keeps how it was evaluated (and a module's namespace).
   */
  async initialize(source: PreparedSource): Promise<RunOutcome | undefined> {
    this.#source = source;
    this.modules = new RunModules(source.modules, source.libraries);
    const api = this.#session.installPrelude();
    // The transpiler failed it: reported from the same sandbox an error QuickJS finds is, with the same usage.
    if (source.error) return this.#outcome({ ok: false, error: source.error });
    let kind = source.kind;
    let evaluated = this.#evaluate(source.code, kind);
    // The line-based guess missed an import/export in mid-line: nothing ran yet, so parse again as a module.
    if (evaluated.error && kind === "script" && /\b(?:import|export)\b/.test(source.code)) {
      const described = this.#describe(this.#own(evaluated.error), api.describe);
      if (described && isParseError(described, source.fileName)) {
        kind = "module";
        evaluated = this.#evaluate(source.code, kind);
      }
    }
    if (evaluated.error) return this.#fail(this.#own(evaluated.error), api);
    let namespace: QuickJSHandle | undefined;
    if (kind === "module") {
      const settled = await this.#settle(this.#own(evaluated.value), api.tick);
      if (!("value" in settled)) return this.#fail(errorOf(settled), api);
      namespace = this.#session.own(settled.value.dup());
    } else {
      this.#own(evaluated.value);
    }
    this.#session.evaluated = { kind, namespace };
    if (this.#trap) return this.#fail(undefined, api);
    return undefined;
  }

  /** Calls the entry point of the evaluated script with the job's input and settles the result. */
  async invoke(): Promise<RunOutcome> {
    const api = this.#session.installPrelude();
    const namespace = this.#session.evaluated?.namespace ?? this.#ctx.undefined;
    const { fuel, memoryMb, timeoutMs } = this.#job.limits;
    const ctxJson = JSON.stringify({ language: this.#job.language, limits: { fuel, memoryMb, timeoutMs }, args: this.#job.args ?? [] });
    const promise = this.#call(api.invoke, [namespace, this.#string(this.#job.inputJson), this.#string(ctxJson), this.#job.asProgram ? this.#ctx.true : this.#ctx.false]);
    if ("error" in promise) return this.#fail(promise.error, api);
    const settled = await this.#settle(promise.value, api.tick);
    if (!("value" in settled)) return this.#fail(errorOf(settled), api);
    // The prelude's invoke answers "r" or "d" (drain: a plain script runs on until nothing is left), then the JSON.
    const answer = this.#ctx.getString(settled.value);
    const json = answer.slice(1);
    if (answer[0] === "d") {
      const drained = await this.#settle(undefined, api.tick);
      if (!("value" in drained)) return this.#fail(errorOf(drained), api);
    }
    return this.#succeed(json);
  }

  /** A successful outcome for a top level that is known to evaluate (a deploy check answered from a snapshot). */
  evaluatedOutcome(): RunOutcome {
    return this.#succeed("null");
  }

  #evaluate(code: string, kind: PreparedSource["kind"]) {
    return this.#ctx.evalCode(code, this.#source.fileName, { type: kind === "module" ? "module" : "global" });
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
      if (this.#session.bridge?.pending) {
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
    await Promise.race([this.#session.bridge!.waitForAny(), deadline]);
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
    if (!this.#trap) [this.#trap, this.#trapMessage] = [reason, message];
    return true;
  }

  #succeed(json: string): RunOutcome {
    if (utf8Length(json) > this.#job.limits.maxResultBytes) {
      return this.#stop("output_limit", `The result is larger than ${this.#job.limits.maxResultBytes} bytes`) && this.#trapOutcome();
    }
    let result: unknown;
    try {
      result = JSON.parse(json);
    } catch {
      // The guest's JSON.stringify was captured before its code ran; unreadable text means a
      // host call failed near the memory cap.
      if (this.#nearCap()) return this.#stop("memory_exhausted") && this.#trapOutcome();
      throw new Error("the guest's result could not be read as JSON");
    }
    return this.#outcome({ ok: true, result });
  }

  #fail(handle: QuickJSHandle | undefined, api: SessionApi): RunOutcome {
    const described = handle && !this.#trap ? this.#describe(handle, api.describe) : undefined;
    // QuickJS's own reports of a limit. An error that could not even be described, at the memory cap, is
    // left to the memory rule (outcome.ts), which the engine applies to every outcome.
    if (!this.#trap) {
      if (described?.name === "InternalError" && described.message === "out of memory") this.#stop("memory_exhausted");
      else if (described?.name === "InternalError" && described.message === "interrupted") this.#stop("timeout");
    }
    if (this.#trap) return this.#trapOutcome();
    const error = guestErrorFrom(described ?? { message: "The script failed with an error that could not be described" }, this.#source);
    return this.#outcome({ ok: false, error });
  }

  /** Whether memory is at or near the run's cap now (the memory rule's predicate, outcome.ts). */
  #nearCap(): boolean {
    return endedNearCap(this.#session.memory.buffer.byteLength, this.#job.limits.memoryMb);
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

  #trapOutcome(): RunOutcome {
    return this.#outcome({ ok: false, error: trapError(this.#trap!, this.#job.limits, this.#trapMessage) });
  }

  #outcome(result: { ok: true; result: unknown } | { ok: false; error: GuestError }): RunOutcome {
    return {
      ...result,
      stdout: this.#output.stdout,
      stderr: this.#output.stderr,
      logs: this.#host?.logs ?? [],
      usage: { fuel: this.#fuel.used, memoryBytes: this.#session.instance.memory.buffer.byteLength, wallMs: this.#spentMs + this.#deadline.elapsedMs() },
    };
  }

  /**
   * Ends the run: frees its handles and the host side, and detaches it from the session (which
   * stays open). An exception here poisons the instance.
   */
  dispose(): void {
    try {
      this.#detach({ free: true });
      for (const handle of this.#handles.reverse()) if (handle.alive) handle.dispose();
    } catch (e) {
      this.#session.instance.poison();
      throw e;
    } finally {
      this.#handles.length = 0;
    }
  }

  /** Ends the run without freeing its handles in guest memory: the session's memory is reset next. */
  release(): void {
    this.#detach({ free: false });
    this.#handles.length = 0;
  }

  #detach(options: { free: boolean }): void {
    this.#host?.dispose();
    if (this.#tape) this.#session.instance.clock.read = undefined;
    this.#session.bridge?.detach(options);
    if (this.#session.run === this) this.#session.run = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
