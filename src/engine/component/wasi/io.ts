/** `wasi:io` (error, poll, streams) for one instance. Streams are in memory: stdin holds the run's bytes (none by default), outputs are capped sinks. */

/** `wasi:io/error.error`: carries no detail to the guest. */
export class IoError {}

/** `wasi:io/poll.pollable`: streams are ready at once; clock subscriptions (clocks.ts) when their instant comes. */
export class Pollable {
  ready(): boolean {
    return true;
  }
  /** When it is ready, in `performance.now()` milliseconds (0: now). */
  readyAt(): number {
    return 0;
  }
  block(): void {}
}

/** `wasi:io/poll.poll`: the indices of the pollables that are ready, after blocking on the earliest if none is. */
function poll(list: Pollable[]): Uint32Array {
  const ready = () => Uint32Array.from(list.flatMap((p, i) => (p.ready() ? [i] : [])));
  const now = ready();
  if (now.length || !list.length) return now;
  list.reduce((a, b) => (b.readyAt() < a.readyAt() ? b : a)).block();
  return ready();
}

/**
 * `wasi:io/streams.input-stream` over bytes in memory: a file's, or a run's stdin (empty, always at its
 * end, unless the run gave some: `refill` puts the next run's bytes in the same stream, which a guest
 * may hold a handle to from before its snapshot).
 */
export class InputStream {
  #at = 0;
  #bytes: Uint8Array;
  constructor(bytes: Uint8Array = new Uint8Array()) {
    this.#bytes = bytes;
  }

  /** Starts the stream over on `bytes` (a new run's stdin): nothing of the last run's is left to read. */
  refill(bytes: Uint8Array): void {
    this.#bytes = bytes;
    this.#at = 0;
  }

  get bytes(): Uint8Array {
    return this.#bytes;
  }

  read(len: bigint): Uint8Array {
    if (this.#at >= this.bytes.length) throw { tag: "closed" };
    const chunk = this.bytes.subarray(this.#at, this.#at + Number(len > 1n << 20n ? 1n << 20n : len));
    this.#at += chunk.length;
    return chunk.slice();
  }
  blockingRead(len: bigint): Uint8Array {
    return this.read(len);
  }
  skip(len: bigint): bigint {
    if (this.#at >= this.bytes.length) throw { tag: "closed" };
    const n = Math.min(Number(len > 1n << 32n ? 1n << 32n : len), this.bytes.length - this.#at);
    this.#at += n;
    return BigInt(n);
  }
  blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }
  subscribe(): Pollable {
    return new Pollable();
  }
}

/** Where an output stream's bytes go; returns false once its cap is reached. */
export type Sink = (bytes: Uint8Array) => boolean;

/** Thrown out of the guest when it writes past the output cap: the run ends as `output_limit`. */
export class OutputLimitExceeded extends Error {
  override readonly name = "OutputLimitExceeded";
}

/** `wasi:io/streams.output-stream` over a sink. */
export class OutputStream {
  #closed = false;
  constructor(readonly sink: Sink) {}

  checkWrite(): bigint {
    if (this.#closed) throw { tag: "closed" };
    return 1n << 20n;
  }
  write(contents: Uint8Array): void {
    if (this.#closed) throw { tag: "closed" };
    if (!this.sink(contents)) {
      this.#closed = true;
      // A JS Error (not a stream error) unwinds the guest: output past the cap ends the run.
      throw new OutputLimitExceeded("the output passed its cap");
    }
  }
  blockingWriteAndFlush(contents: Uint8Array): void {
    this.write(contents);
  }
  flush(): void {
    if (this.#closed) throw { tag: "closed" };
  }
  blockingFlush(): void {
    this.flush();
  }
  subscribe(): Pollable {
    return new Pollable();
  }
}

export function ioImports() {
  return {
    "wasi:io/error": { Error: IoError },
    "wasi:io/poll": { Pollable, poll },
    "wasi:io/streams": { InputStream, OutputStream },
  };
}
