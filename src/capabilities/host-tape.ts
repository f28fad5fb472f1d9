import { HostCallError, type HostErrorCode } from "../errors.ts";

/**
 * One host call on a tape: what the guest asked (`call` is `iface.fn`, `args` as passed) and what it was
 * answered (a value, or a host error). A `secrets` answer is never kept: `secret` marks it, and a replay
 * answers it from the secret as it is then.
 */
export interface TapeCall {
  call: string;
  args: unknown[];
  value?: unknown;
  error?: { code: HostErrorCode; message: string };
  secret?: true;
}

/**
 * Everything a run took from outside its sandbox, in order, as plain data (it crosses worker threads by
 * structured clone and is stored as JSON): the random seeds the engine drew (decimal strings of 64-bit
 * words), each clock reading (nanoseconds since the epoch, or of the monotonic clock, as decimal strings),
 * and every host call but `log` (an output, compared on replay like stdout).
 */
export interface Tape {
  seeds: string[];
  clock: string[];
  calls: TapeCall[];
}

/** Where a replay left its tape: the index of the first host call that differs, what the tape holds there and what the run asked (null: nothing). */
export interface Divergence {
  at: number;
  expected: string | null;
  actual: string | null;
}

/** How a call is named in a divergence: `kv.get("k")`. */
const describe = (call: string, args: unknown[]): string => `${call}(${args.map((a) => JSON.stringify(a) ?? "null").join(", ")})`;

/** The same data, by JSON text (arguments are JSON values decoded by the guest's bridge). */
const sameArgs = (a: unknown[], b: unknown[]): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The tape of one run: recording what the host answered, or answering from a recorded tape instead of
 * the live services (a replay). A replay whose guest asks for a different call than the tape holds next
 * (the code changed) has diverged there: that call and every later one fail with `failed`, and
 * `divergence` says where. Clock readings and seeds past the tape's end come from the live sources.
 */
export class HostTape {
  readonly #recorded: Tape | undefined;
  readonly #tape: Tape = { seeds: [], clock: [], calls: [] };
  #divergence: Divergence | undefined;

  private constructor(recorded: Tape | undefined) {
    this.#recorded = recorded;
  }

  /** The tape a job asks for: recording (`record`), replaying (`replay`), or none. */
  static for(job: { record?: boolean; replay?: Tape }): HostTape | undefined {
    if (job.replay) return new HostTape(job.replay);
    return job.record ? new HostTape(undefined) : undefined;
  }

  get replaying(): boolean {
    return this.#recorded !== undefined;
  }

  /** A 64-bit random seed: the recorded one in its turn, or a new one from `draw`. */
  seed(draw: () => bigint): bigint {
    const recorded = this.#recorded?.seeds[this.#tape.seeds.length];
    const value = recorded !== undefined ? BigInt(recorded) : draw();
    this.#tape.seeds.push(value.toString());
    return value;
  }

  /** A clock reading (any unit the caller keeps to): the recorded one in its turn, or `live()`. */
  clock(live: () => bigint): bigint {
    const recorded = this.#recorded?.clock[this.#tape.clock.length];
    const value = recorded !== undefined ? BigInt(recorded) : live();
    this.#tape.clock.push(value.toString());
    return value;
  }

  /**
   * A host call: `live()` runs it (recording, or a `secrets`/`log` call on replay); on replay any other
   * call is answered from the tape. Answers what `live()` would (a value or a promise), or throws `HostCallError`.
   */
  call(iface: string, fn: string, args: unknown[], live: () => unknown): unknown {
    if (iface === "log") return live();
    const name = `${iface}.${fn}`;
    const at = this.#tape.calls.length;
    if (this.#recorded) {
      if (this.#divergence) throw this.#diverged();
      const expected = this.#recorded.calls[at];
      if (!expected || expected.call !== name || !sameArgs(expected.args, args)) {
        this.#divergence = { at, expected: expected ? describe(expected.call, expected.args) : null, actual: describe(name, args) };
        throw this.#diverged();
      }
      this.#tape.calls.push(expected);
      if (expected.secret) return live();
      if (expected.error) throw new HostCallError(expected.error.code, expected.error.message);
      return expected.value;
    }
    const entry: TapeCall = { call: name, args: structuredClone(args) };
    if (iface === "secrets") entry.secret = true;
    this.#tape.calls.push(entry);
    const keep = (value: unknown) => {
      if (!entry.secret) entry.value = value ?? null;
      return value;
    };
    const fail = (e: unknown): never => {
      if (e instanceof HostCallError) entry.error = { code: e.code, message: e.message };
      throw e;
    };
    let answer: unknown;
    try {
      answer = live();
    } catch (e) {
      return fail(e);
    }
    return answer instanceof Promise ? answer.then(keep, fail) : keep(answer);
  }

  #diverged(): HostCallError {
    const d = this.#divergence!;
    return new HostCallError("failed", `replay diverged at host call ${d.at}: the recording has ${d.expected ?? "no further call"}, the run asked for ${d.actual}`);
  }

  /** What to hand back with the outcome: the tape as the run used it, and where a replay diverged (a run that ended before the tape did diverged there too). */
  finish(): { recording: Tape; diverged?: Divergence } {
    const recorded = this.#recorded;
    const at = this.#tape.calls.length;
    if (recorded && !this.#divergence && at < recorded.calls.length) {
      const next = recorded.calls[at]!;
      this.#divergence = { at, expected: describe(next.call, next.args), actual: null };
    }
    return { recording: structuredClone(this.#tape), ...(this.#divergence && { diverged: this.#divergence }) };
  }
}
