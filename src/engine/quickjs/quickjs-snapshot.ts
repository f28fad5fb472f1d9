import type { PreparedSource } from "./prepare-source.ts";
import { QuickJSBridge } from "./quickjs-bridge.ts";
import { QuickJSInstance, startingPagesOf, type InstanceTracking } from "./quickjs-instance.ts";
import {
  adoptHandle,
  contextPointer,
  lazyHandles,
  recordHostRefs,
  restoreHostRefs,
  runtimePointer,
  scratchPointer,
  setLazyHandles,
  setScratchPointer,
  wrapRuntime,
  type HostRefsRecord,
  type LazyHandles,
} from "./quickjs-internals.ts";
import type { RunStart } from "./quickjs-run.ts";
import { QuickJSSession, type HostFunctionRole } from "./quickjs-session.ts";
import { capturePages, heldPageList, restoreMemory, writeHeldPages, type MemorySnapshot } from "../wasm/memory-snapshot.ts";

/** How far below the resting C stack pointer the glue's own writes may reach. */
const STACK_WINDOW = 128 * 1024;

/** Marks what the glue writes below the resting stack pointer (call arguments: an evaluated string, a function's name), which no guest store marks. */
function markGlueWrites(tracking: InstanceTracking): void {
  tracking.bitmap.markRange(tracking.stackTop - STACK_WINDOW, tracking.stackTop);
}

/**
 * A QuickJS session captured after a script's top level ran: a copy of the instance's linear memory,
 * plus the JS-side state that must match it (the pointers of the runtime, context and every handle the
 * session keeps, and the host refs by role). Made only by the host, from code it ran; never accepted
 * from outside (isolated-vm's cachedData CVE is why).
 */
export interface QuickJSSnapshot extends Required<MemorySnapshot> {
  /** What the snapshot is of (see snapshot-key.ts): wasm build, library, language, code, memory cap. */
  key: string;
  memoryMb: number;
  /** Taken on the instrumented build (dirty-page tracking); it is only ever restored into that build. */
  tracked: boolean;
  pointers: {
    rt: number;
    ctx: number;
    scratch: number;
    invoke: number;
    tick: number;
    describe: number;
    namespace: number | undefined;
    bridge: number | undefined;
    lazy: LazyHandles;
  };
  hostRefs: HostRefsRecord<HostFunctionRole>;
  kind: PreparedSource["kind"];
  /** Fuel the top level used and what it printed: every run from the snapshot starts with them. */
  start: RunStart;
}

/** Captures a session whose top level has run; undefined when its state cannot be described (an unknown host ref). */
export function captureSnapshot(session: QuickJSSession, options: { key: string; memoryMb: number; start: RunStart }): QuickJSSnapshot | undefined {
  const { api, evaluated, ctx, rt } = session;
  if (!api || !evaluated) return undefined;
  const roles = new Map<object, HostFunctionRole>([...session.hostFunctions].map(([role, fn]) => [fn, role]));
  const hostRefs = recordHostRefs(rt, (value) => roles.get(value));
  if (!hostRefs) return undefined;
  // The marks restart here: the snapshot holds a clear bitmap, and a restore copies what was marked since.
  // The glue's writes are marked first: the capture reads only touched pages.
  const tracking = session.instance.tracking;
  if (tracking) markGlueWrites(tracking);
  const { memory, held } = capturePages(session.instance.memory, tracking?.bitmap);
  return {
    key: options.key,
    memoryMb: options.memoryMb,
    tracked: session.instance.tracking !== undefined,
    memory,
    held,
    pointers: {
      rt: runtimePointer(rt),
      ctx: contextPointer(ctx),
      scratch: scratchPointer(ctx),
      invoke: api.invoke.value as number,
      tick: api.tick.value as number,
      describe: api.describe.value as number,
      namespace: evaluated.namespace?.value as number | undefined,
      bridge: session.bridge?.handle.value as number | undefined,
      lazy: lazyHandles(ctx),
    },
    hostRefs,
    kind: evaluated.kind,
    start: options.start,
  };
}

/**
 * Puts a snapshot back into the session it was taken from (or one restored from it): memory (on the
 * instrumented build only the pages written since, else all of it; zeros over what grew) and the
 * JS-side state. Answers how many pages were copied (undefined: all). Handles made after the snapshot are dropped, never
 * freed: their memory is gone.
 */
export function resetSession(session: QuickJSSession, snapshot: QuickJSSnapshot): { pages: number | undefined } {
  const tracking = session.instance.tracking;
  if (tracking) markGlueWrites(tracking);
  const pages = restoreMemory(session.instance.memory, snapshot.memory, tracking?.bitmap, snapshot.held);
  setLazyHandles(session.ctx, snapshot.pointers.lazy);
  // A bridge a run opened (a dynamic `import("kiln")`) is gone with the memory it lived in.
  if (snapshot.pointers.bridge === undefined) session.dropBridge();
  restoreHostRefs(session.rt, snapshot.hostRefs, (role) => session.hostFunctions.get(role)!);
  return { pages };
}

/**
 * A new instance in the snapshot's state: a fresh module instance whose memory starts at the snapshot's
 * size (memory is never grown from outside), JS wrappers around the recorded runtime, context and
 * handles, then the snapshot written over memory. No setup is replayed, so no pointer can disagree;
 * a snapshot whose memory does not fit the instance is refused.
 */
export async function restoreSnapshot(snapshot: QuickJSSnapshot, options: { wasmModule: WebAssembly.Module }): Promise<QuickJSSession> {
  const pages = snapshot.memory.length / 65_536;
  const instance = await QuickJSInstance.create(options.wasmModule, { memoryMb: snapshot.memoryMb, initialPages: pages, tracked: snapshot.tracked });
  if (instance.memory.buffer.byteLength !== snapshot.memory.length) {
    instance.dispose();
    throw new Error(`snapshot ${snapshot.key}: ${pages} pages do not fit an instance capped at ${snapshot.memoryMb} MiB`);
  }
  const p = snapshot.pointers;
  const { rt, ctx } = wrapRuntime(instance.module, { rt: p.rt, ctx: p.ctx });
  // Only the pages the snapshot holds, and zeros over the few a new instance starts with (learnt from the
  // first new instance of the module): no other page is read or written, so none is faulted in.
  const bytes = new Uint8Array(instance.memory.buffer);
  writeHeldPages(bytes, snapshot, startingPagesOf(options.wasmModule, instance.memory));
  // Written by the host, not marked: the held pages now hold something.
  instance.tracking?.bitmap.touch(heldPageList(snapshot.held));
  setScratchPointer(ctx, p.scratch, instance.memory);
  const session = new QuickJSSession(instance, rt, ctx);
  session.bindRuntime();
  session.adoptPrelude({ invoke: adoptHandle(ctx, p.invoke), tick: adoptHandle(ctx, p.tick), describe: adoptHandle(ctx, p.describe) });
  session.evaluated = { kind: snapshot.kind, namespace: p.namespace === undefined ? undefined : adoptHandle(ctx, p.namespace) };
  if (p.bridge !== undefined) session.adoptBridge(new QuickJSBridge(ctx, { handle: adoptHandle(ctx, p.bridge) }));
  for (const [, role] of snapshot.hostRefs.entries) {
    if (!session.hostFunctions.has(role)) throw new Error(`snapshot ${snapshot.key}: host function ${role} has no counterpart`);
  }
  setLazyHandles(ctx, p.lazy);
  restoreHostRefs(rt, snapshot.hostRefs, (role) => session.hostFunctions.get(role)!);
  return session;
}
