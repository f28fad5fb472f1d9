import { DisposedError } from "../../errors.ts";
import type { QuickJSRuntimeDescriptor } from "./quickjs-artifact.ts";
import type { HostServices } from "../../capabilities/run-host.ts";
import type { Engine, LanguageInfo, RunJob, RunOptions, RunOutcome, Usage } from "../engine.ts";
import { endedNearCap, escapedError, ranOutOfMemory, trapError } from "../outcome.ts";
import type { PreparedSource, QuickJSLanguageDescriptor, SourceDriver } from "./prepare-source.ts";
import { QuickJSInstance } from "./quickjs-instance.ts";
import { QuickJSRun } from "./quickjs-run.ts";
import type { GuestLibraries } from "./run-modules.ts";
import { QuickJSSession } from "./quickjs-session.ts";
import { memoryDifferences } from "../wasm/restore-differences.ts";
import { captureSnapshot, resetSession, restoreSnapshot, type QuickJSSnapshot } from "./quickjs-snapshot.ts";
import { loadGuestUrl } from "./guest-url.ts";
import { drawSeed } from "../seed.ts";
import { locateRandomState, readRandomState, reseedRandomState } from "./random-state.ts";
import { HostTape } from "../../capabilities/host-tape.ts";
import { WarmPool, type Warm, type WarmPoolStats } from "../warm-pool.ts";
import { snapshotBuildId, snapshotKey } from "./snapshot-key.ts";
import { SlowCode, slowEnough } from "./slow-code.ts";
import { cachedTranspiler, type TypeScriptTranspiler } from "./typescript-transpiler.ts";

export interface QuickJSEngineOptions {
  /** The runtime descriptor (artifact and its hash, initial memory). */
  runtime: QuickJSRuntimeDescriptor;
  /** The languages it serves, each with the driver that makes its source JavaScript (languages/<name>/language.ts). */
  languages: readonly QuickJSLanguageDescriptor[];
  /** The runtime's wasm, compiled once. */
  wasmModule: WebAssembly.Module;
  /** Turns TypeScript into JavaScript (esbuild, native or wasm: the adapter knows which its runtime can run). */
  typescript: TypeScriptTranspiler;
  /** Bytes of recent TypeScript transpilations kept, so code that runs again is not transpiled again. Default 8 MiB. */
  typescriptCacheBytes?: number;
  /** An idle instance whose linear memory grew past this is dropped instead of reused. Default 32 MiB. */
  recycleBytes?: number;
  /** Idle instances kept per memory cap. Default 2. */
  idlePerCap?: number;
  /** Bytes all idle instances may hold together, across memory caps (least recently used out first), pristine sessions included. Default 64 MiB. */
  idleBytes?: number;
  /** Storage and network behind the WIT host interfaces. Without them kv and http are never granted. */
  services?: HostServices;
  /** A script whose top level takes at least this long is snapshotted after it. Default 2 ms; Infinity turns snapshots off. */
  snapshotMinInitMs?: number;
  /** Bytes of snapshots, with the sessions kept in their state, held at most. Default 256 MiB. */
  snapshotCacheBytes?: number;
  /** Sessions kept in each snapshot's state, ready for the next run. Default 1. */
  warmInstances?: number;
  /**
   * The instrumented build (dirty-page tracking, see instrument-quickjs.ts) and its hash, where the
   * adapter can make it (Node). Snapshots are then taken and run on it, and a reset copies only the
   * pages a run wrote; a slow top level is seen once on the plain build and snapshotted when the same
   * code comes again. Without it, snapshots use the plain build and a reset copies all of memory.
   */
  snapshotModule?: { module: WebAssembly.Module; sha256: string };
  /** After every restore of a session to its snapshot, compare all of memory with the snapshot and throw on a difference (tests; slow). */
  verifyRestores?: boolean;
  /**
   * With the instrumented build: a fresh run starts from a pristine session (runtime, context and prelude,
   * no script) reset to its snapshot after each run, instead of opening a runtime, context and prelude
   * of its own. Default true. The pristine sessions and the idle instances share `idleBytes` (half each),
   * and a session counts the pages it touched, its JS side and its snapshot's held pages (what it holds).
   * The prelude's fuel is counted as before; the run's code runs on the instrumented build (slower on
   * store-heavy code). False: every fresh run builds its own on the plain build.
   */
  pristineSessions?: boolean;
}

/** A QuickJS instance between runs, kept with no snapshot (each run opens its own runtime and context in it). */
type IdleInstance = Warm<QuickJSInstance, undefined>;
/** A session kept in its snapshot's state. */
type WarmSession = Warm<QuickJSSession, QuickJSSnapshot>;
/** A pristine session (runtime, context and prelude, no script: nothing of any tenant or run) with its own snapshot. */
type PristineSession = Warm<QuickJSSession, QuickJSSnapshot>;

/**
 * Runs JavaScript and TypeScript in QuickJS compiled to WebAssembly.
 *
 * A run gets a fresh runtime and context (the wasm instances under them are pooled per memory cap,
 * because a cap is fixed when an instance's memory is created). When a script's top level is slow
 * (`snapshotMinInitMs`) and took nothing from outside (no host call, no stdin read, no random draw), the session is
 * snapshotted right after it, keyed by the code (its files too) and everything it ran on; later runs of the same
 * code start from that state: a kept session reset in place ("warm"), or the snapshot restored into a
 * new instance ("restored"). Each run from a snapshot gets a new `Math.random` seed.
 */
export class QuickJSEngine implements Engine {
  readonly name = "quickjs";
  readonly languages: readonly LanguageInfo[];
  readonly #options: Required<Omit<QuickJSEngineOptions, "snapshotModule">> & Pick<QuickJSEngineOptions, "snapshotModule">;
  readonly #slow = new SlowCode();
  /**
   * Instances between runs, by memory cap and build (a cap is fixed when an instance's memory is made):
   * at most `idlePerCap` each and `idleBytes` in all, the least recently used cap's first out, so a
   * tenant sweeping `memoryMb` cannot make a worker keep an instance per value.
   */
  readonly #idle: WarmPool<QuickJSInstance>;
  /** Snapshots by key, each with the sessions kept in its state (`warmInstances`), within `snapshotCacheBytes`. */
  readonly #sessions: WarmPool<QuickJSSession, QuickJSSnapshot>;
  /** Pristine sessions by memory cap (`pristineSessions`): at most `idlePerCap` each and half of `idleBytes` in all, snapshots included. */
  readonly #pristine: WarmPool<QuickJSSession, QuickJSSnapshot>;
  readonly #typescript: TypeScriptTranspiler;
  readonly #drivers = new Map<string, SourceDriver>();
  readonly #descriptors: readonly QuickJSLanguageDescriptor[];
  /** Each language's libraries, loaded on its first run. */
  readonly #libraries = new Map<string, Promise<GuestLibraries>>();
  /** Where Math.random's state sits in a context; undefined turns snapshots off (found once per engine). */
  #setup: Promise<{ randomOffset?: number; buildId?: string }> | undefined;
  #live = 0;
  #disposed = false;

  constructor(options: QuickJSEngineOptions) {
    this.#options = { recycleBytes: 32 << 20, idlePerCap: 2, idleBytes: 64 << 20, services: {}, snapshotMinInitMs: 2, snapshotCacheBytes: 256 << 20, warmInstances: 1, verifyRestores: false, typescriptCacheBytes: 8 << 20, pristineSessions: true, ...options };
    // One budget for idle instances of both kinds: with pristine sessions, each pool has half of it.
    const idleBytes = this.#options.pristineSessions ? this.#options.idleBytes / 2 : this.#options.idleBytes;
    this.#typescript = cachedTranspiler(this.#options.typescript, { maxBytes: this.#options.typescriptCacheBytes });
    this.languages = QuickJSEngine.languagesOf(options.languages);
    this.#descriptors = options.languages;
    for (const l of options.languages) this.#drivers.set(l.language.name, l.driver);
    this.#idle = new WarmPool<QuickJSInstance>({ perKey: this.#options.idlePerCap, maxBytes: idleBytes, snapshots: "own", drop: (instance) => this.#drop(instance) });
    this.#sessions = new WarmPool<QuickJSSession, QuickJSSnapshot>({
      perKey: this.#options.warmInstances,
      maxBytes: this.#options.snapshotCacheBytes,
      snapshots: "pinned",
      restore: (session, snapshot) => resetSession(session, snapshot).pages,
      differences: (session, snapshot) => memoryDifferences(session.memory, snapshot.memory),
      verifyRestores: this.#options.verifyRestores,
      // A session's memory goes with its instance: nothing in it is freed.
      drop: (session) => this.#drop(session.instance),
    });
    this.#pristine = new WarmPool<QuickJSSession, QuickJSSnapshot>({
      perKey: this.#options.idlePerCap,
      maxBytes: idleBytes,
      snapshots: "own",
      restore: (session, snapshot) => {
        const { pages } = resetSession(session, snapshot);
        session.rewind();
        return pages;
      },
      differences: (session, snapshot) => memoryDifferences(session.memory, snapshot.memory),
      verifyRestores: this.#options.verifyRestores,
      drop: (session) => this.#drop(session.instance),
    });
  }

  /** The languages QuickJS serves, as `GET /v1/languages` lists them. */
  static languagesOf(languages: readonly QuickJSLanguageDescriptor[]): LanguageInfo[] {
    return languages.map((l) => {
      const libraries = librarySource(l, languages)?.language.libraries;
      return { ...l.language, ...(libraries?.length && { libraries }), engine: "quickjs", sourceTypes: ["module", "script"] as const };
    });
  }

  /** The libraries a language's runs may import: the names it offers and their bundled source, loaded once (none bundled: the names alone). */
  #librariesOf(language: string): Promise<GuestLibraries> {
    let loaded = this.#libraries.get(language);
    if (!loaded) {
      const owner = librarySource(this.#descriptors.find((l) => l.language.name === language), this.#descriptors);
      const names = (owner?.language.libraries ?? []).map((l) => l.name);
      const load = owner?.libraryModules;
      loaded = typeof load === "function" && names.length ? load().then((sources) => ({ names, sources }), () => ({ names, sources: {} })) : Promise.resolve({ names, sources: {} });
      this.#libraries.set(language, loaded);
    }
    return loaded;
  }

  async run(job: RunJob, options: RunOptions = {}): Promise<RunOutcome> {
    if (this.#disposed) throw new DisposedError("the QuickJS engine was disposed");
    // QuickJS's own setup is quick, and transpiling has the run's deadline: the deadline counts from now.
    options.onGuestStart?.();
    const started = Date.now();
    const driver = this.#drivers.get(job.language);
    if (!driver) throw new Error(`QuickJS engine: no driver for ${job.language}`);
    const prepared = await driver.prepare(job.code, { kind: job.sourceType, timeoutMs: job.limits.timeoutMs, transpiler: this.#typescript, files: job.files });
    const source: PreparedSource = { ...prepared, libraries: await this.#librariesOf(job.language) };
    // Transpiling is part of the run's wall time (and stopped at its deadline, see prepareTypeScript).
    const spentMs = Date.now() - started;
    const { randomOffset, buildId } = await this.#snapshotSetup();
    // A recorded run or a replay runs fresh: a snapshot's top level read the clock when it was taken.
    const tape = HostTape.for(job);
    // Keyed by the code as sent: what a language's driver makes of it is fixed for the process (CEL's is its 88 KB
    // bundle around the rule, which would otherwise be hashed on every run).
    const key = buildId === undefined || source.error || tape ? undefined : snapshotKey({ ...source, code: job.code }, { buildId, language: job.language, memoryMb: job.limits.memoryMb, owner: job.owner });
    const snapshot = key === undefined ? undefined : this.#sessions.pinned(key);
    // A budget smaller than the top level's fuel runs the top level again, to fail where it would have.
    if (snapshot && randomOffset !== undefined && job.limits.fuel >= snapshot.start.fuel) return this.#runFromSnapshot(snapshot, job, { ...options, randomOffset, source, spentMs });
    // On the instrumented build when this run may be snapshotted: the code was slow before, or it is a deploy check.
    const tracked = key !== undefined && this.#options.snapshotModule !== undefined && (this.#slow.has(key) || job.evaluateOnly === true);
    // Any other fresh run starts from a pristine session when there is one to reset (a recorded run or a replay builds its own).
    const pristine = !tracked && !tape && randomOffset !== undefined && this.#options.pristineSessions && this.#options.snapshotModule !== undefined;
    const outcome = pristine
      ? await this.#runPristine(source, job, { ...options, key, randomOffset: randomOffset!, started, spentMs })
      : await this.#runFresh(source, job, { ...options, key, randomOffset, started, tracked, spentMs, tape });
    return tape ? { ...outcome, ...tape.finish() } : outcome;
  }

  /** Snapshots and the sessions kept in their state: runs that found a warm session (hits) or restored one (misses), what is kept, and how restores went. */
  get poolStats(): WarmPoolStats {
    return this.#sessions.stats;
  }

  /** Pristine sessions (`pristineSessions`): fresh runs that found one (hits) or built one (misses), and their resets. */
  get pristineStats(): WarmPoolStats {
    return this.#pristine.stats;
  }

  /** Instances alive now (idle, running or kept warm by a snapshot); tests use it to check that nothing leaks. */
  get liveInstances(): number {
    return this.#live;
  }

  async #runFresh(source: PreparedSource, job: RunJob, options: RunOptions & { key?: string; randomOffset?: number; started: number; tracked: boolean; spentMs: number; tape?: HostTape }): Promise<RunOutcome> {
    const idle = await this.#acquire(job.limits.memoryMb, { tracked: options.tracked });
    const { instance } = idle;
    let kept: QuickJSSnapshot | undefined;
    let session: QuickJSSession | undefined;
    let closed = false;
    try {
      session = QuickJSSession.open(instance, { memoryMb: job.limits.memoryMb });
      const run = new QuickJSRun(session, job, { ...options, services: this.#options.services });
      let outcome: RunOutcome | undefined;
      try {
        // QuickJS seeds Math.random from the clock in milliseconds: two contexts made within one would draw the same numbers.
        if (options.randomOffset !== undefined) reseedRandomState(session.ctx, instance.memory, options.randomOffset, options.tape?.seed(drawSeed));
        const randomBefore = options.randomOffset === undefined ? undefined : readRandomState(session.ctx, instance.memory, options.randomOffset);
        const initStarted = performance.now();
        outcome = await run.initialize(source);
        const initMs = performance.now() - initStarted;
        const pure = !session.bridge?.calls && session.stdinReads === 0 && randomBefore === readRandomState(session.ctx, instance.memory, options.randomOffset!);
        if (!outcome && options.key && pure && slowEnough({ initMs, initFuel: run.fuelUsed, tracked: options.tracked, memoryBytes: instance.memory.buffer.byteLength, minInitMs: this.#options.snapshotMinInitMs, instrumented: this.#options.snapshotModule !== undefined })) {
          // Snapshot on the second slow sighting (a first run is slowed by V8 compiling the wasm lazily), or
          // at once for a deploy check on the instrumented build.
          const seen = this.#slow.has(options.key) || (options.tracked && job.evaluateOnly === true);
          if (seen && (options.tracked || !this.#options.snapshotModule)) kept = this.#capture(session, options.key, job, run);
          else this.#slow.remember(options.key);
        }
        if (!outcome) outcome = job.evaluateOnly ? run.evaluatedOutcome() : await run.invoke();
        return this.#settled(outcome, instance, { job, start: "fresh" });
      } finally {
        if (kept) run.release();
        else {
          // Freeing can fail (QuickJS asserts on a runtime that ran out of memory): that reaches the catch below.
          run.dispose();
          closed = true;
          session.dispose();
        }
      }
    } catch (e) {
      kept = undefined;
      return escaped(e, instance, job, { started: options.started, start: "fresh" });
    } finally {
      if (kept && session) {
        this.#keep({ instance: session, snapshot: kept });
      } else {
        if (session && !closed && !instance.poisoned) {
          try {
            session.dispose();
          } catch {
            instance.poison();
          }
        }
        this.#release(idle);
      }
    }
  }

  /**
   * A fresh run in a pristine session: its top level and entry point run in a runtime, context and prelude
   * made before (for no one: nothing in them belongs to a tenant or a run), with a new `Math.random` seed;
   * afterwards its memory is reset to the pristine snapshot, verified byte for byte under `verifyRestores`.
   * It uses the same fuel as a run that builds its own: the prelude's is counted at its start, and QuickJS's
   * interrupt countdown is in the snapshot. A slow top level is noted as on the plain build (never captured here).
   */
  async #runPristine(source: PreparedSource, job: RunJob, options: RunOptions & { key?: string; randomOffset: number; started: number; spentMs: number }): Promise<RunOutcome> {
    const key = pristineKey(job.limits.memoryMb);
    const warm = this.#pristine.borrow(key) ?? (await this.#newPristine(job.limits.memoryMb));
    const session = warm.instance;
    const { instance } = session;
    reseedRandomState(session.ctx, instance.memory, options.randomOffset);
    const randomBefore = readRandomState(session.ctx, instance.memory, options.randomOffset);
    const run = new QuickJSRun(session, job, { ...options, services: this.#options.services, start: warm.snapshot.start });
    let clean = false;
    try {
      const initStarted = performance.now();
      let outcome = await run.initialize(source);
      const initMs = performance.now() - initStarted;
      const pure = !session.bridge?.calls && session.stdinReads === 0 && randomBefore === readRandomState(session.ctx, instance.memory, options.randomOffset);
      if (!outcome && options.key && pure && slowEnough({ initMs, initFuel: run.fuelUsed, tracked: false, memoryBytes: instance.memory.buffer.byteLength, minInitMs: this.#options.snapshotMinInitMs, instrumented: true })) {
        this.#slow.remember(options.key);
      }
      if (!outcome) outcome = job.evaluateOnly ? run.evaluatedOutcome() : await run.invoke();
      clean = true;
      return this.#settled(outcome, instance, { job, start: "fresh" });
    } catch (e) {
      return escaped(e, instance, job, { started: options.started, start: "fresh" });
    } finally {
      // Nothing is freed: the reset puts the pristine memory back.
      run.release();
      // As an idle instance would be: not poisoned, not near its cap, not grown past `recycleBytes`.
      if (clean) this.#pristine.give(key, warm, instance.reusable({ recycleBytes: this.#options.recycleBytes }));
      else this.#drop(instance);
    }
  }

  /** A new pristine session at a memory cap, on the instrumented build, and its snapshot. */
  async #newPristine(memoryMb: number): Promise<PristineSession> {
    const instance = await QuickJSInstance.create(this.#options.snapshotModule!.module, { memoryMb, initialPages: this.#options.runtime.initialPages, tracked: true });
    this.#live++;
    try {
      const session = QuickJSSession.open(instance, { memoryMb });
      session.installPrelude();
      // A snapshot is of an evaluated session; this one holds no script (a run's initialize replaces this).
      session.evaluated = { kind: "script", namespace: undefined };
      const snapshot = captureSnapshot(session, { key: pristineKey(memoryMb), memoryMb, start: { fuel: session.preludeFuel, stdout: "", stderr: "" } });
      if (!snapshot) throw new Error("QuickJS engine: a pristine session could not be captured");
      session.markPristine();
      session.rewind();
      return { instance: session, snapshot };
    } catch (e) {
      this.#drop(instance);
      throw e;
    }
  }

  /**
   * The outcome as the caller sees it, with the memory rule applied (outcome.ts): a run that ended at
   * its memory cap ran out of memory, whether it "succeeded" (QuickJS swallows a failed allocation
   * inside a promise job: the job just rejects) or failed with a guest error.
   */
  #settled(outcome: RunOutcome, instance: QuickJSInstance, options: { job: RunJob; start: Usage["start"] }): RunOutcome {
    const usage = { ...outcome.usage, start: options.start };
    if (ranOutOfMemory(outcome, { nearCap: endedNearCap(instance.memory.buffer.byteLength, options.job.limits.memoryMb), trustSuccess: false })) {
      const { stdout, stderr, logs } = outcome;
      return { ok: false, error: trapError("memory_exhausted", options.job.limits), stdout, stderr, logs, usage };
    }
    return { ...outcome, usage };
  }

  /** Takes a snapshot of a session whose top level just ran and pins it; the session then belongs to the snapshot. */
  #capture(session: QuickJSSession, key: string, job: RunJob, run: QuickJSRun): QuickJSSnapshot | undefined {
    this.#slow.forget(key);
    const snapshot = captureSnapshot(session, { key, memoryMb: job.limits.memoryMb, start: { fuel: run.fuelUsed, ...run.printed } });
    return snapshot && this.#sessions.pin(key, snapshot) ? snapshot : undefined;
  }

  async #runFromSnapshot(snapshot: QuickJSSnapshot, job: RunJob, options: RunOptions & { randomOffset: number; source: PreparedSource; spentMs: number }): Promise<RunOutcome> {
    const started = Date.now();
    let warm = this.#sessions.borrow(snapshot.key);
    const start = warm ? "warm" : "restored";
    if (!warm) {
      const wasmModule = snapshot.tracked ? this.#options.snapshotModule!.module : this.#options.wasmModule;
      warm = { instance: await restoreSnapshot(snapshot, { wasmModule }), snapshot };
      this.#live++;
    }
    const session = warm.instance;
    const { instance } = session;
    reseedRandomState(session.ctx, instance.memory, options.randomOffset);
    const run = new QuickJSRun(session, job, { ...options, services: this.#options.services, start: snapshot.start });
    let clean = false;
    try {
      const outcome = job.evaluateOnly ? run.evaluatedOutcome() : await run.invoke();
      clean = true;
      return this.#settled(outcome, instance, { job, start });
    } catch (e) {
      return escaped(e, instance, job, { started, start });
    } finally {
      run.release();
      if (clean) this.#keep(warm);
      else this.#drop(instance);
    }
  }

  /** Gives a session back to its snapshot's pool: restored and kept warm, or dropped (poisoned, near its cap, grew too much, no room). */
  #keep(warm: WarmSession): void {
    const { instance } = warm.instance;
    this.#sessions.give(warm.snapshot.key, warm, !instance.poisoned && !endedNearCap(instance.memory.buffer.byteLength, instance.memoryMb));
  }

  /**
   * Found once per engine: where Math.random's state is (every run reseeds it), and the build id snapshot
   * keys start with (undefined: snapshots off, also when the state cannot be found).
   */
  #snapshotSetup(): Promise<{ randomOffset?: number; buildId?: string }> {
    return (this.#setup ??= (async () => {
      // The guest's URL is compiled from a bundle, read once; it is part of the build id too.
      await loadGuestUrl();
      const randomOffset = await locateRandomState(this.#options.wasmModule, { initialPages: this.#options.runtime.initialPages });
      if (randomOffset === undefined || this.#options.snapshotMinInitMs === Infinity || this.#options.snapshotCacheBytes <= 0) return { randomOffset };
      const wasmSha256 = this.#options.snapshotModule?.sha256 ?? this.#options.runtime.sha256;
      return { randomOffset, buildId: await snapshotBuildId({ wasmSha256 }) };
    })());
  }

  async #acquire(memoryMb: number, options: { tracked: boolean }): Promise<IdleInstance> {
    const idle = this.#idle.borrow(idleKey(memoryMb, options.tracked));
    if (idle) return idle;
    const wasmModule = options.tracked ? this.#options.snapshotModule!.module : this.#options.wasmModule;
    const instance = await QuickJSInstance.create(wasmModule, { memoryMb, initialPages: this.#options.runtime.initialPages, tracked: options.tracked });
    this.#live++;
    return { instance, snapshot: undefined };
  }

  #release(idle: IdleInstance): void {
    const { instance } = idle;
    this.#idle.give(idleKey(instance.memoryMb, instance.tracking !== undefined), idle, instance.reusable({ recycleBytes: this.#options.recycleBytes }));
  }

  #drop(instance: QuickJSInstance): void {
    instance.dispose();
    this.#live--;
  }

  dispose(): void {
    this.#disposed = true;
    this.#idle.dispose();
    this.#sessions.dispose();
    this.#pristine.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** The descriptor whose libraries a language offers: its own, or those of the language it shares them with. */
function librarySource(language: QuickJSLanguageDescriptor | undefined, all: readonly QuickJSLanguageDescriptor[]): QuickJSLanguageDescriptor | undefined {
  const modules = language?.libraryModules;
  return modules && typeof modules !== "function" ? all.find((l) => l.language.name === modules.sameAs) : language;
}

/** The pristine sessions' key: only the memory cap (a pristine session holds nothing of a tenant or a run). */
const pristineKey = (memoryMb: number) => `pristine/${memoryMb}`;

/** The idle instances' key: a cap is fixed when an instance's memory is made, and the instrumented build is kept apart. */
const idleKey = (memoryMb: number, tracked: boolean) => `${tracked ? "tracked" : "plain"}/${memoryMb}`;

/**
 * An exception that escaped a wasm call: it leaves the instance inconsistent, so it is poisoned.
 * outcome.ts says what it means (near the memory cap, the guest running out of memory; a host stack
 * overflow, the guest nesting or recursing deeper than the host's stack); anything else is a host bug.
 */
function escaped(e: unknown, instance: QuickJSInstance, job: RunJob, options: { started: number; start: "fresh" | "warm" | "restored" }): RunOutcome {
  instance.poison();
  const error = escapedError(e, { nearCap: endedNearCap(instance.memory.buffer.byteLength, job.limits.memoryMb), traps: "host" }, job.limits);
  if (!error) throw e;
  const usage = { fuel: null, memoryBytes: instance.memory.buffer.byteLength, wallMs: Date.now() - options.started, start: options.start };
  return { ok: false, error, stdout: "", stderr: "", logs: [], usage };
}
