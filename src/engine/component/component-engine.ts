import type { GuestError, TrapReason } from "../../errors.ts";
import { DisposedError } from "../../errors.ts";
import { endedNearCap, escapedError, ranOutOfMemory, trapError } from "../outcome.ts";
import type { Engine, LanguageInfo, RunJob, RunOptions, RunOutcome } from "../engine.ts";
import type { HostServices } from "../../capabilities/run-host.ts";
import type { BlockingHost } from "./blocking-host.ts";
import { ComponentHost } from "./component-host.ts";
import type { CallerComponentsDescriptor } from "./runtime-descriptor.ts";
import type { GuestDriver } from "./guest-driver.ts";
import { ComponentInstance, guestBytes, type InstanceSnapshot } from "./component-instance.ts";
import { inexactInteger } from "./exact-integers.ts";
import { WarmPool, type Warm, type WarmPoolStats } from "../warm-pool.ts";
import type { PreparedComponentRuntime } from "./prepared-runtime.ts";

export type { PreparedComponentRuntime };
import { FUEL_GLOBAL } from "../wasm/instance-globals.ts";
import { GuestExit } from "./wasi/cli.ts";
import { DeadlineReached } from "./wasi/clocks.ts";
import { HostTape } from "../../capabilities/host-tape.ts";
import { OutputLimitExceeded } from "./wasi/io.ts";
import type { Mount } from "./wasi/filesystem.ts";
import { drawSeed } from "../seed.ts";

/** Callers' components kept prepared per process. */
const MAX_COMPONENTS = 64;

/** One unit of component fuel is this many metered events (function entries and loop iterations). */
export const FUEL_UNIT = 10_000n;

/**
 * Runs languages compiled to WebAssembly components (Lua, Ruby, Python and callers' own components): a fresh instance per run on a
 * per-instance WASI host with nothing open, metered by the fuel global the build pass added, with
 * memory capped by the cap global the same pass added (one compiled module serves every cap).
 */
export class ComponentEngine implements Engine {
  readonly name = "component";
  readonly languages: readonly LanguageInfo[];
  readonly #runtimes = new Map<string, PreparedComponentRuntime>();
  readonly #services: HostServices;
  readonly #blocking: BlockingHost | undefined;
  readonly #callers: { language: CallerComponentsDescriptor; load: (bytes: Uint8Array) => Promise<PreparedComponentRuntime> } | undefined;
  /** Callers' components prepared in this process, most recently used last. */
  readonly #components = new Map<string, Promise<PreparedComponentRuntime>>();
  /**
   * Initialised instances kept per runtime, each with the snapshot taken right after its initialisation
   * (the cap is set per run, so one serves any cap its snapshot leaves room under). Restored after every
   * run however the guest's run ended (a trap or the deadline included: memory and globals are all the
   * state an instance has); dropped when its output overflowed (its streams are closed) or its run failed
   * in the host, or when it grew past MAX_GROWTH (a run that filled its memory).
   */
  readonly #pool: WarmPool<ComponentInstance, InstanceSnapshot>;
  readonly #ceilingMb: number;
  #disposed = false;

  /**
   * `services` answer log and secrets in place; `blocking` serves kv and http (see BlockingHost) and
   * is disposed with the engine; `callerComponents.load` prepares a caller's component from its bytes (the
   * engine then also serves callers' components, as the language that descriptor names).
   */
  constructor(
    runtimes: readonly PreparedComponentRuntime[],
    options: {
      services?: HostServices;
      blocking?: BlockingHost;
      callerComponents?: { language: CallerComponentsDescriptor; load: (bytes: Uint8Array) => Promise<PreparedComponentRuntime> };
      warmInstances?: number;
      /** Bytes the warm instances and their snapshots may hold together (default: no bound). */
      warmPoolBytes?: number;
      /** Check every warm instance byte for byte against its snapshot after it is restored (tests; slow). */
      verifyRestores?: boolean;
      /**
       * The largest memory cap a run may have (KILN_MAX_MEMORY_MB): the declared maximum of every main
       * module, a hard ceiling under the per-run cap (default: 4 GiB, all a 32-bit memory can address).
       */
      maxMemoryMb?: number;
    } = {},
  ) {
    this.#ceilingMb = options.maxMemoryMb ?? 4096;
    this.#pool = new WarmPool<ComponentInstance, InstanceSnapshot>({
      perKey: options.warmInstances ?? 1,
      maxBytes: options.warmPoolBytes,
      snapshots: "own",
      restore: (instance, snapshot) => instance.restore(snapshot),
      differences: (instance, snapshot) => instance.differences(snapshot),
      verifyRestores: options.verifyRestores,
    });
    this.#services = options.services ?? {};
    this.#blocking = options.blocking;
    this.#callers = options.callerComponents;
    for (const r of runtimes) this.#runtimes.set(r.language.name, r);
    this.languages = [...ComponentEngine.languagesOf(runtimes), ...(this.#callers ? [ComponentEngine.callerComponentsInfo(this.#callers.language)] : [])];
  }

  /** The runtime for a job: a language runtime, or the job's own component (kept for the next runs). */
  async #runtimeFor(job: RunJob): Promise<PreparedComponentRuntime> {
    if (job.language !== this.#callers?.language.language.name) {
      const runtime = this.#runtimes.get(job.language);
      if (!runtime) throw new Error(`component engine: no runtime for ${job.language}`);
      return runtime;
    }
    if (!job.component || !this.#callers) throw new Error("component engine: a component job needs its bytes and a component loader");
    const { id, bytes } = job.component;
    let runtime = this.#components.get(id);
    if (runtime) this.#components.delete(id);
    else runtime = this.#callers.load(bytes);
    this.#components.set(id, runtime);
    if (this.#components.size > MAX_COMPONENTS) this.#components.delete(this.#components.keys().next().value!);
    try {
      return await runtime;
    } catch (e) {
      this.#components.delete(id);
      throw e;
    }
  }

  /** The languages prepared runtimes serve, as `GET /v1/languages` lists them. */
  static languagesOf(runtimes: readonly PreparedComponentRuntime[]): LanguageInfo[] {
    return runtimes.map((r) => ({ ...r.language, engine: "component", ...(r.minMemoryMb ? { minMemoryMb: r.minMemoryMb } : {}) }));
  }

  /** How `GET /v1/languages` lists callers' own components where they can be run. */
  static callerComponentsInfo(descriptor: CallerComponentsDescriptor): LanguageInfo {
    return { ...descriptor.language, engine: "component" };
  }

  async run(requested: RunJob, runOptions: RunOptions = {}): Promise<RunOutcome> {
    if (this.#disposed) throw new DisposedError("the component engine was disposed");
    const runtime = await this.#runtimeFor(requested);
    const job = { ...requested, limits: { ...requested.limits, memoryMb: Math.max(requested.limits.memoryMb, runtime.minMemoryMb) } };
    const started = Date.now();
    // A recorded run keeps its seeds, clock readings and host answers; a replay is answered from them.
    const tape = HostTape.for(job);
    using kiln = new ComponentHost(job, { services: this.#services, blocking: this.#blocking, suspending: runtime.suspending === true, deadline: started + job.limits.timeoutMs, onOutput: runOptions.onOutput, tape });
    // A new seed for every run: the instance's WASI random source and the language's own generator.
    const [wasiSeed, seed] = tape ? [tape.seed(drawSeed), tape.seed(drawSeed)] : [drawSeed(), drawSeed()];
    const budget = BigInt(job.limits.fuel) * FUEL_UNIT;
    const options = { memoryMb: job.limits.memoryMb, ceilingMb: this.#ceilingMb, maxOutputBytes: job.limits.maxOutputBytes, fuel: budget };
    let core: WebAssembly.Instance | undefined;
    let host: ComponentInstance["host"] | undefined;
    const fuelLeft = () => (core ? ((core.exports[FUEL_GLOBAL] as WebAssembly.Global).value as bigint) : budget);
    const finish = (result: { ok: true; result: unknown } | { ok: false; error: GuestError }): RunOutcome => {
      const left = fuelLeft();
      const used = budget - (left < 0n ? 0n : left);
      return {
        ...result,
        stdout: host?.stdout() ?? "",
        stderr: host?.stderr() ?? "",
        logs: kiln.logs,
        usage: { fuel: Number((used + FUEL_UNIT - 1n) / FUEL_UNIT), memoryBytes: core ? guestBytes(core) : null, wallMs: Date.now() - started, start },
        ...tape?.finish(),
      };
    };
    const trap = (reason: TrapReason) => finish({ ok: false, error: trapError(reason, job.limits) });
    const nearCap = () => core !== undefined && endedNearCap(guestBytes(core), job.limits.memoryMb);
    /** A pool hit starts from a kept instance reset to its snapshot. */
    let start: "fresh" | "warm" = "fresh";
    let warm: Warm<ComponentInstance, InstanceSnapshot> | undefined;
    let clean = false;
    let outcome;
    try {
      try {
        let instance: ComponentInstance;
        if (runtime.warm && this.#pool.keeps) {
          // The most recently kept instance whose snapshot leaves room under this run's cap.
          warm = this.#pool.borrow(runtime.language.name, (w) => !endedNearCap(w.snapshot.memory.length, options.memoryMb));
          if (warm) {
            start = "warm";
            warm.instance.host.reset({ maxOutputBytes: options.maxOutputBytes });
          } else {
            const fresh = await ComponentInstance.start(runtime, { ...options, onCore: (c) => (core = c) });
            warm = { instance: fresh, snapshot: fresh.snapshot() };
          }
          instance = warm.instance;
        } else {
          instance = await ComponentInstance.start(runtime, { ...options, onCore: (c) => (core = c) });
        }
        core = instance.core;
        host = instance.host;
        const { onOutput } = runOptions;
        host.setListener(onOutput && ((stream, text) => onOutput({ stream, text })));
        instance.kiln.current = kiln;
        host.setTape(tape);
        // The run's own stdin, from its start; a warm instance's last run's is gone (reset above).
        instance.host.setStdin(job.stdin);
        instance.host.setArgs(job.args);
        // A warm instance may have served another cap; a fresh one was started under this one.
        instance.setMemoryCap(job.limits.memoryMb);
        // The deadline counts from here: starting or restoring the instance was Kiln's work, not the guest's.
        const deadline = Date.now() + job.limits.timeoutMs;
        instance.host.setDeadline(deadline);
        kiln.setDeadline(deadline);
        runOptions.onGuestStart?.();
        instance.fuel.value = budget;
        // A program (asProgram) is its top level alone, which is what the drivers run for evaluateOnly.
        const ran = runtime.driver.run(instance.instance, job.asProgram ? { ...job, evaluateOnly: true } : job, { seed: Number(seed! >> 32n), reseed: () => instance.host.reseed(wasiSeed!) });
        // A promise only from JSPI glue (workerd); synchronous glue answers at once, and a warm run never yields.
        outcome = ran instanceof Promise ? await ran : ran;
      } catch (e) {
        const error = escapedError(
          e,
          {
            outputOverflowed: e instanceof OutputLimitExceeded || host?.overflowed === true,
            deadlineReached: e instanceof DeadlineReached,
            fuelExhausted: e instanceof WebAssembly.RuntimeError && fuelLeft() < 0n,
            nearCap: nearCap(),
            exited: e instanceof GuestExit ? e.message : undefined,
            traps: "guest",
          },
          job.limits,
        );
        if (!error) throw e;
        // The guest stopped part-way (a trap, the deadline, exit): its instance holds no state the restore
        // does not put back (all of memory and every global), so it is kept like any other. The pool drops
        // an instance that grew too much (memory_exhausted does), whose output streams were closed at the
        // cap (host-side state a restore does not reopen), or that failed in the host (a rethrow).
        clean = error.code !== "output_limit";
        return finish({ ok: false, error });
      }
      if (host!.overflowed) return trap("output_limit");
      clean = true;
      // A guest that fails at its memory cap ran out of memory, whatever it reports (the memory rule, outcome.ts).
      if (!outcome.ok) {
        if ("outOfMemory" in outcome || ranOutOfMemory(outcome, { nearCap: nearCap(), trustSuccess: true })) return trap("memory_exhausted");
        return finish({ ok: false, error: outcome.error });
      }
      if (outcome.json.length > job.limits.maxResultBytes) return finish({ ok: false, error: { code: "output_limit", message: `The result is larger than ${job.limits.maxResultBytes} bytes` } });
      const inexact = inexactInteger(outcome.json);
      if (inexact !== undefined) {
        return finish({ ok: false, error: { code: "guest_error", message: `The result holds the integer ${inexact}, which a JSON number cannot carry exactly (beyond ±2^53): return it as a string` } });
      }
      let result: unknown;
      try {
        result = JSON.parse(outcome.json);
      } catch {
        // The wrappers encode with the guest's own functions, which a script can replace.
        return finish({ ok: false, error: { code: "guest_error", message: "The script broke Kiln's wrapper: its result is not JSON" } });
      }
      return finish({ ok: true, result });
    } finally {
      host?.setListener(undefined);
      host?.setTape(undefined);
      if (warm) {
        warm.instance.kiln.current = undefined;
        warm.instance.host.setStdin(undefined);
        warm.instance.host.setArgs(undefined);
        this.#pool.give(runtime.language.name, warm, clean);
      }
    }
  }

  /** Warm instances: how often a run found one ready, what is kept, and how restores went. */
  get poolStats(): WarmPoolStats {
    return this.#pool.stats;
  }

  dispose(): void {
    if (!this.#disposed) this.#blocking?.dispose();
    this.#pool.dispose();
    this.#disposed = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
