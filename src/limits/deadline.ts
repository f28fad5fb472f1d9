/** A wall-clock deadline for one run. Waiting on the host counts toward it. */
export class Deadline {
  readonly startedAt: number;
  readonly at: number;
  constructor(readonly timeoutMs: number) {
    this.startedAt = Date.now();
    this.at = this.startedAt + timeoutMs;
  }

  expired(): boolean {
    return Date.now() > this.at;
  }

  elapsedMs(): number {
    return Date.now() - this.startedAt;
  }
}
