import { HostCallError } from "../errors.ts";

/** Counts one kind of host call against a per-run cap. */
export class CallCounter {
  #count = 0;
  constructor(
    readonly what: string,
    readonly max: number,
  ) {}

  /** Counts a call, refusing it once the cap is reached. */
  take(): void {
    if (this.#count >= this.max) throw new HostCallError("limit_exceeded", `${this.what}: at most ${this.max} calls per run`);
    this.#count++;
  }
}
