import { HostCallError } from "../../errors.ts";
import { RunHost, type HostServices } from "../../capabilities/run-host.ts";
import type { RunJob, RunOptions } from "../engine.ts";
import type { BlockingHost, BlockingRun } from "./blocking-host.ts";
import type { HostTape } from "../../capabilities/host-tape.ts";

/**
 * The Kiln host interfaces for one component run, all synchronous: log and secrets are answered
 * in place; kv and http (asynchronous by nature) through the blocking host, opened only when the
 * run was granted one of them and actually calls it. A runtime whose glue suspends (JSPI, `suspending`)
 * needs no blocking host: its kv and http calls answer promises, which the glue awaits, each ended by
 * the run's deadline.
 */
export class ComponentHost implements Disposable {
  readonly #host: RunHost;
  readonly #job: RunJob;
  readonly #blocking: BlockingHost | undefined;
  readonly #suspending: boolean;
  #deadline: number;
  #run: BlockingRun | undefined;
  /** Records every answer, or answers from a recording (a replay), for the calls served here and through the blocking host alike. */
  readonly #tape: HostTape | undefined;

  constructor(job: RunJob, options: { services: HostServices; blocking?: BlockingHost; suspending?: boolean; deadline: number; onOutput?: RunOptions["onOutput"]; tape?: HostTape }) {
    this.#job = job;
    this.#tape = options.tape;
    const { onOutput } = options;
    this.#host = new RunHost({ ...job.host, services: options.services, onLog: onOutput && ((entry) => onOutput({ stream: "log", ...entry })) });
    this.#blocking = options.blocking;
    this.#suspending = options.suspending === true;
    this.#deadline = options.deadline;
  }

  /** Moves the run's deadline (it counts from the guest's start, once the instance is ready); the blocking host's calls end by it. */
  setDeadline(deadline: number): void {
    this.#deadline = deadline;
  }

  get logs() {
    return this.#host.logs;
  }

  /** A host message with the run's secret values masked. */
  redact(text: string): string {
    return this.#host.redact(text);
  }

  /** Calls `iface.fn` and returns its value; throws `HostCallError`. */
  call(iface: string, fn: string, args: unknown[]): unknown {
    return this.#tape ? this.#tape.call(iface, fn, args, () => this.#call(iface, fn, args)) : this.#call(iface, fn, args);
  }

  #call(iface: string, fn: string, args: unknown[]): unknown {
    if (!RunHost.isAsync(iface, fn) || this.#job.host.deployCheck) return this.#host.call(iface, fn, args);
    if (!(this.#job.host.grants as unknown as Record<string, unknown>)[iface]) throw new HostCallError("capability_denied", `${iface} is not granted to this run`);
    if (!this.#blocking && this.#suspending) return this.#beforeDeadline(iface, fn, this.#host.call(iface, fn, args));
    if (!this.#blocking) throw new HostCallError("failed", `${iface} is not available to components on this runtime`);
    this.#run ??= this.#blocking.open({ grants: this.#job.host.grants, limits: this.#job.host.limits, deadline: this.#deadline });
    return this.#run.call(iface, fn, args);
  }

  /** An answer that fails with `failed` if it has not come by the run's deadline (the guest waits on it, spending no fuel). */
  async #beforeDeadline(iface: string, fn: string, answer: unknown): Promise<unknown> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HostCallError("failed", `${iface}.${fn}: no answer before the run's deadline`)), Math.max(0, this.#deadline - Date.now()));
    });
    try {
      return await Promise.race([answer, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  dispose(): void {
    this.#run?.dispose();
    this.#host.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
