import { GUEST_GLOBALS } from "./guest-globals.ts";
import { GUEST_KILN_MODULE } from "./guest-kiln.ts";
import { GUEST_PRELUDE } from "./guest-prelude.ts";
import { guestUrlFactory } from "./guest-url.ts";
import { GUEST_WEB_APIS } from "./guest-web-apis.ts";
import { QUICKJS_LIBRARY } from "./quickjs-internals.ts";
import type { PreparedSource } from "./prepare-source.ts";

/** Bumped when what a snapshot records, or the setup before the script runs, changes shape. */
const SNAPSHOT_FORMAT = 3;

const hex = (buffer: ArrayBuffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * The build a snapshot belongs to: SHA-256 over the wasm build's hash, the library version and the
 * guest-side setup (prelude, console and timers, Web APIs and URL, the kiln module). Computed once per
 * engine, after the URL bundle was loaded (loadGuestUrl).
 */
export async function snapshotBuildId(options: { wasmSha256: string }): Promise<string> {
  const text = JSON.stringify([SNAPSHOT_FORMAT, options.wasmSha256, QUICKJS_LIBRARY, GUEST_PRELUDE, GUEST_GLOBALS, GUEST_WEB_APIS, guestUrlFactory(), GUEST_KILN_MODULE]);
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/**
 * The key a QuickJS snapshot is stored under: the tenant it belongs to, the build id (hashes of
 * everything the snapshot ran on), the language, the memory cap, how the code is evaluated, the run's
 * files and the code itself, verbatim: a lookup is exact, and computing it needs no hash of the code on
 * every run. The engine passes the code as the caller sent it, not as the language's driver prepared it
 * (a pure function of it within a process): a CEL rule's key is the rule, not the 88 KB bundle around it. The tenant comes first: two tenants running identical code never share a snapshot or a
 * warm session, so `usage.start` and the timing of a run tell a tenant nothing about another's runs
 * (a shared cache would be a side channel, like probing a shared CDN). Runs with no owner (the
 * engine used directly, tests) share the empty tenant.
 */
export function snapshotKey(source: Pick<PreparedSource, "kind" | "code" | "modules">, options: { buildId: string; language: string; memoryMb: number; owner?: string }): string {
  // The run's files are code too: a top level that imported one is the state of those files.
  const modules = source.modules?.length ? JSON.stringify(source.modules.map((m) => [m.name, m.code])) : "";
  // JSON-quoted, so no owner can end early and pose as another one's prefix.
  return `${JSON.stringify(options.owner ?? "")}/${options.buildId}/${options.language}/${options.memoryMb}/${source.kind}/${modules.length}\n${modules}${source.code}`;
}
