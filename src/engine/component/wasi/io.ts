/** `wasi:io` (error, poll, streams) for one instance. Streams are in memory: stdin is empty, outputs are capped sinks. */

/** `wasi:io/error.error`: carries no detail to the guest. */
export class IoError {}

/** `wasi:io/poll.pollable`: everything here is ready at once. */
export class Pollable {
  ready(): boolean {
    return true;
  }
  block(): void {}
}

/** `wasi:io/streams.input-stream`: always at its end. */
export class InputStream {
  read(_len: bigint): Uint8Array {
    throw { tag: "closed" };
  }
  blockingRead(_len: bigint): Uint8Array {
    throw { tag: "closed" };
  }
  skip(_len: bigint): bigint {
    throw { tag: "closed" };
  }
  blockingSkip(_len: bigint): bigint {
    throw { tag: "closed" };
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
    "wasi:io/poll": { Pollable, poll: (list: Pollable[]) => new Uint32Array(list.map((_, i) => i)) },
    "wasi:io/streams": { InputStream, OutputStream },
  };
}
