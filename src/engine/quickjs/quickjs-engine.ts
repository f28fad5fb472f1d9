import { DisposedError } from "../../errors.ts";
import { isNearCap } from "../../limits/memory.ts";
import type { QuickJSRuntimeDescriptor } from "../../../runtimes/quickjs.ts";
import type { HostServices } from "../../host/run-host.ts";
import type { Engine, LanguageInfo, RunJob, RunOptions, RunOutcome } from "../engine.ts";
import { prepareSource } from "./prepare-source.ts";
import { QuickJSInstance } from "./quickjs-instance.ts";
import { QuickJSRun } from "./quickjs-run.ts";
import { QuickJSSession } from "./quickjs-session.ts";

export interface QuickJSEngineOptions {
  /** The runtime descriptor (artifact, languages, initial memory). */
  runtime: QuickJSRuntimeDescriptor;
  /** The runtime's wasm, compiled once. */
  wasmModule: WebAssembly.Module;
  /** An idle instance whose linear memory grew past this is dropped instead of reused. Default 32 MiB. */
  recycleBytes?: number;
  /** Idle instances kept per memory cap. Default 2. */
  idlePerCap?: number;
  /** Storage and network behind the WIT host interfaces. Without them kv and http are never granted. */
  services?: HostServices;
}

/**
 * Runs JavaScript and TypeScript in QuickJS compiled to WebAssembly.
 * Every run gets a fresh runtime and context; the wasm instances under them are pooled per
 * memory cap, because a cap is fixed when an instance's memory is created.
 */
export class QuickJSEngine implements Engine {
  readonly name = "quickjs";
  readonly languages: readonly LanguageInfo[];
  readonly #options: Required<QuickJSEngineOptions>;
  readonly #idle = new Map<number, QuickJSInstance[]>();
  #live = 0;
  #disposed = false;

  constructor(options: QuickJSEngineOptions) {
    this.#options = { recycleBytes: 32 << 20, idlePerCap: 2, services: {}, ...options };
    this.languages = QuickJSEngine.languagesOf(options.runtime);
  }

  /** The languages a QuickJS runtime descriptor serves, as `GET /v1/languages` lists them. */
  static languagesOf(runtime: QuickJSRuntimeDescriptor): LanguageInfo[] {
    return runtime.languages.map((l) => ({ ...l, engine: "quickjs" }));
  }

  async run(job: RunJob, options: RunOptions = {}): Promise<RunOutcome> {
    if (this.#disposed) throw new DisposedError("the QuickJS engine was disposed");
    const started = Date.now();
    const source = prepareSource(job.language, job.code);
    if ("error" in source) {
      return { ok: false, error: source.error, stdout: "", stderr: "", logs: [], usage: { fuel: 0, memoryBytes: 0, wallMs: Date.now() - started } };
    }
    const instance = await this.#acquire(job.limits.memoryMb);
    try {
      const session = QuickJSSession.open(instance, { memoryMb: job.limits.memoryMb });
      const run = new QuickJSRun(session, job, { ...options, services: this.#options.services });
      try {
        return await run.execute(source);
      } finally {
        run.dispose();
        session.dispose();
      }
    } catch (e) {
      // An exception that escaped a wasm call leaves the instance inconsistent.
      instance.poison();
      if (isNearCap(instance.memory, job.limits.memoryMb)) {
        const message = `The script reached its memory cap (${job.limits.memoryMb} MiB)`;
        return { ok: false, error: { code: "memory_exhausted", message }, stdout: "", stderr: "", logs: [], usage: { fuel: null, memoryBytes: instance.memory.buffer.byteLength, wallMs: Date.now() - started } };
      }
      throw e;
    } finally {
      this.#release(instance);
    }
  }

  /** Instances alive now (idle or running); tests use it to check that nothing leaks. */
  get liveInstances(): number {
    return this.#live;
  }

  async #acquire(memoryMb: number): Promise<QuickJSInstance> {
    const idle = this.#idle.get(memoryMb)?.pop();
    if (idle) return idle;
    const instance = await QuickJSInstance.create(this.#options.wasmModule, { memoryMb, initialPages: this.#options.runtime.initialPages });
    this.#live++;
    return instance;
  }

  #release(instance: QuickJSInstance): void {
    const idle = this.#idle.get(instance.memoryMb) ?? [];
    if (!this.#disposed && instance.reusable({ recycleBytes: this.#options.recycleBytes }) && idle.length < this.#options.idlePerCap) {
      idle.push(instance);
      this.#idle.set(instance.memoryMb, idle);
      return;
    }
    instance.dispose();
    this.#live--;
  }

  dispose(): void {
    this.#disposed = true;
    for (const list of this.#idle.values()) for (const instance of list.splice(0)) {
      instance.dispose();
      this.#live--;
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
