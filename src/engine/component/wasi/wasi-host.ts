import { cliImports } from "./cli.ts";
import type { HostTape } from "../../../capabilities/host-tape.ts";
import { clockImports } from "./clocks.ts";
import { filesystemImports, type Mount } from "./filesystem.ts";
import { InputStream, ioImports } from "./io.ts";
import { randomImports } from "./random.ts";

/**
 * The WASI 0.2 host of one component instance, built from Kiln's own per-interface pieces (never
 * preview2-shim's defaults, which hand out the host's environment and sockets): an empty
 * environment, fixed arguments, the run's stdin (empty unless given), stdout and stderr captured up to a cap, no preopens but
 * the runtime's own read-only trees (`mounts`), the host's clocks, seeded random, and no sockets or
 * wasi:http at all.
 */
export function createWasiHost(options: { maxOutputBytes: number; seed?: bigint; mounts?: readonly Mount[] }) {
  let out: Uint8Array[] = [];
  let err: Uint8Array[] = [];
  let bytes = 0;
  let overflowed = false;
  let cap = options.maxOutputBytes;
  /** The current run's listener (a streamed run), each stream decoded as it comes (a character may span writes). */
  let listener: { onOutput: (stream: "stdout" | "stderr", text: string) => void; out: TextDecoder; err: TextDecoder } | undefined;
  const sink = (which: "out" | "err") => (chunk: Uint8Array) => {
    if (overflowed) return false;
    const target = which === "out" ? out : err;
    const room = cap - bytes;
    const kept = chunk.slice(0, Math.max(0, room));
    target.push(kept);
    bytes += kept.length;
    if (chunk.length > room) overflowed = true;
    if (listener && kept.length) {
      const text = listener[which].decode(kept, { stream: true });
      if (text) listener.onOutput(which === "out" ? "stdout" : "stderr", text);
    }
    return !overflowed;
  };
  const decode = (chunks: Uint8Array[]) => {
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return new TextDecoder().decode(all);
  };
  const random = randomImports(options.seed ?? 0x6b696c6en);
  /** The current run's deadline (epoch ms): how long a guest's sleep may wait. */
  let deadline: number | undefined;
  /** The instance's one stdin stream: a guest may hold its handle from before a snapshot. */
  const stdin = new InputStream();
  /** The current run's arguments (after the program's name). */
  let args: readonly string[] = [];
  /** The current run's tape (seeds and clock readings recorded or replayed), if it has one. */
  let tape: HostTape | undefined;
  const clocks = clockImports(() => deadline, () => tape);
  return {
    /**
     * Makes the host new for another run of a pooled instance: empty output under `maxOutputBytes`.
     * (An instance whose output overflowed is never reused.)
     */
    reset(next: { maxOutputBytes: number }) {
      out = [];
      err = [];
      bytes = 0;
      cap = next.maxOutputBytes;
      stdin.refill(new Uint8Array());
      args = [];
    },
    /** Sets the arguments of the run about to start (`get-arguments` answers the program's name, then them). */
    setArgs(next: readonly string[] | undefined) {
      args = next ?? [];
    },
    /** Sets the stdin of the run about to start (read from its start; empty: reads see end of file). */
    setStdin(text: string | undefined) {
      stdin.refill(text ? new TextEncoder().encode(text) : new Uint8Array());
    },
    /**
     * Sets where the output of the run about to start goes as it is written (undefined: nowhere). Call
     * it again with undefined when the run ends: that flushes a character left incomplete at the end
     * (decoded as the whole output is, to U+FFFD), so the chunks join to `stdout()` and `stderr()`.
     */
    setListener(onOutput: ((stream: "stdout" | "stderr", text: string) => void) | undefined) {
      if (listener) {
        const [outTail, errTail] = [listener.out.decode(), listener.err.decode()];
        if (outTail) listener.onOutput("stdout", outTail);
        if (errTail) listener.onOutput("stderr", errTail);
      }
      listener = onOutput && { onOutput, out: new TextDecoder(), err: new TextDecoder() };
    },
    /** Sets the deadline of the run about to start (a sleep past it ends the run as a timeout). */
    setDeadline(at: number | undefined) {
      deadline = at;
    },
    /** Sets the tape of the run about to start (undefined after it): it keeps or answers each clock reading. */
    setTape(next: HostTape | undefined) {
      tape = next;
    },
    /** Restarts the random stream from `seed`: a runtime initialises on the fixed seed, a run draws from its own. */
    reseed: random.reseed,
    imports: {
      ...ioImports(),
      ...cliImports({ stdout: sink("out"), stderr: sink("err"), stdin, args: () => args }),
      ...clocks.imports,
      ...filesystemImports(options.mounts),
      ...random.imports,
    } as Record<string, Record<string, unknown>>,
    stdout: () => decode(out),
    stderr: () => decode(err),
    /** True once the guest wrote past the output cap. */
    get overflowed() {
      return overflowed;
    },
  };
}
