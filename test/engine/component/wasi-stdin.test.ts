/**
 * A component instance's stdin and arguments across runs: the one stdin stream a guest may hold from
 * before its snapshot is refilled for each run, read from its start, and empty (end of file) after a
 * reset; `get-arguments` answers the current run's.
 */
import { describe, expect, it } from "vitest";
import { createWasiHost } from "../../../src/engine/component/wasi/wasi-host.ts";
import type { InputStream } from "../../../src/engine/component/wasi/io.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const closed = (stream: InputStream) => {
  try {
    stream.read(1n);
    return false;
  } catch (e) {
    return (e as { tag?: string }).tag === "closed";
  }
};

describe("the WASI host's stdin and arguments", () => {
  it("refills the same stream for each run, and a reset leaves nothing of the last run's", () => {
    const host = createWasiHost({ maxOutputBytes: 1024 });
    const cli = host.imports["wasi:cli/stdin"] as { getStdin(): InputStream };
    const stream = cli.getStdin();
    expect(closed(stream)).toBe(true);
    host.setStdin("héllo\nworld");
    expect(cli.getStdin()).toBe(stream);
    expect(text(stream.read(3n))).toBe("hé");
    expect(text(stream.blockingRead(100n))).toBe("llo\nworld");
    expect(closed(stream)).toBe(true);
    host.setStdin("second");
    expect(text(stream.read(100n))).toBe("second");
    host.setStdin("unread");
    host.reset({ maxOutputBytes: 1024 });
    expect(closed(stream)).toBe(true);
  });

  it("answers the current run's arguments after the program's name", () => {
    const host = createWasiHost({ maxOutputBytes: 1024 });
    const env = host.imports["wasi:cli/environment"] as { getArguments(): string[] };
    expect(env.getArguments()).toEqual(["kiln"]);
    host.setArgs(["a", "b c"]);
    expect(env.getArguments()).toEqual(["kiln", "a", "b c"]);
    host.reset({ maxOutputBytes: 1024 });
    expect(env.getArguments()).toEqual(["kiln"]);
  });
});
