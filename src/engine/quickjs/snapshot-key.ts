import { GUEST_GLOBALS } from "./guest-globals.ts";
import { GUEST_KILN_MODULE } from "./guest-kiln.ts";
import { GUEST_PRELUDE } from "./guest-prelude.ts";
import { QUICKJS_LIBRARY } from "./quickjs-internals.ts";
import type { PreparedSource } from "./prepare-source.ts";

/** Bumped when what a snapshot records, or the setup before the script runs, changes shape. */
const SNAPSHOT_FORMAT = 1;

const hex = (buffer: ArrayBuffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * The key a QuickJS snapshot is stored under: SHA-256 over the wasm build's hash, the library version,
 * the guest-side setup (prelude, console and timers, the kiln module), the language, the code as it is
 * evaluated, and the memory cap. A snapshot is only ever read back for exactly that combination.
 */
export async function snapshotKey(source: PreparedSource, options: { wasmSha256: string; language: string; memoryMb: number }): Promise<string> {
  const text = JSON.stringify([SNAPSHOT_FORMAT, options.wasmSha256, QUICKJS_LIBRARY, GUEST_PRELUDE, GUEST_GLOBALS, GUEST_KILN_MODULE, options.language, options.memoryMb, source.kind, source.code]);
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}
