import { Lifetime, QuickJSRuntime, StaticLifetime, type QuickJSContext, type QuickJSHandle, type QuickJSWASMModule } from "quickjs-emscripten-core";

/**
 * The one place that reaches into quickjs-emscripten-core 0.32.0's non-public fields, for snapshots:
 * the JS-side state that must match a restored linear memory (host-ref ids, lazily cached handles,
 * the context's scratch buffer) and wrappers around a runtime and context that already exist in a
 * restored memory. Snapshot keys include the library version (QUICKJS_LIBRARY), so a snapshot is
 * never read by another version; the snapshot tests fail if these fields move.
 */
export const QUICKJS_LIBRARY = "quickjs-emscripten-core@0.32.0";

interface HostRefMapFields {
  nextId: number;
  freelist: number[];
  groups: Map<number, Map<number, object>>;
}
interface RuntimeFields {
  rt: Lifetime<number>;
  hostRefs: HostRefMapFields;
}
interface ContextFields {
  ctx: Lifetime<number>;
  memory: { heapValueHandle(ptr: number): QuickJSHandle };
  uint32Out: Lifetime<{ ptr: number; typedArray: Uint32Array }>;
}
interface ModuleFields {
  ffi: unknown;
  module: unknown;
  callbacks: unknown;
}

/** Handles the library creates on first use and caches on the context. */
const LAZY_HANDLES = ["_global", "_BigInt", "_Symbol", "_SymbolIterator", "_SymbolAsyncIterator"] as const;
export type LazyHandles = Partial<Record<(typeof LAZY_HANDLES)[number], number>>;

/** Host refs as plain data: the map's counters and, for each live id, what the value is (by role). */
export interface HostRefsRecord<Role> {
  nextId: number;
  freelist: number[];
  entries: [id: number, role: Role][];
}

export const runtimePointer = (rt: QuickJSRuntime): number => (rt as unknown as RuntimeFields).rt.value;
export const contextPointer = (ctx: QuickJSContext): number => (ctx as unknown as ContextFields).ctx.value;
export const scratchPointer = (ctx: QuickJSContext): number => (ctx as unknown as ContextFields).uint32Out.value.ptr;

/** The pointers of the lazily cached handles that exist now. */
export function lazyHandles(ctx: QuickJSContext): LazyHandles {
  const fields = ctx as unknown as Record<string, QuickJSHandle | undefined>;
  const out: LazyHandles = {};
  for (const name of LAZY_HANDLES) if (fields[name]) out[name] = fields[name]!.value as number;
  return out;
}

/** Puts the lazily cached handles back as they were recorded (absent ones are created again on use). */
export function setLazyHandles(ctx: QuickJSContext, recorded: LazyHandles): void {
  const fields = ctx as unknown as Record<string, QuickJSHandle | undefined>;
  for (const name of LAZY_HANDLES) {
    const ptr = recorded[name];
    fields[name] = ptr === undefined ? undefined : (new StaticLifetime(ptr as never, ctx.runtime) as unknown as QuickJSHandle);
  }
}

/** Records the runtime's host refs, naming each value by `roleOf`; undefined if a value has no role. */
export function recordHostRefs<Role>(rt: QuickJSRuntime, roleOf: (value: object) => Role | undefined): HostRefsRecord<Role> | undefined {
  const map = (rt as unknown as RuntimeFields).hostRefs;
  const entries: [number, Role][] = [];
  for (const group of map.groups.values()) {
    for (const [id, value] of group) {
      const role = roleOf(value);
      if (role === undefined) return undefined;
      entries.push([id, role]);
    }
  }
  return { nextId: map.nextId, freelist: [...map.freelist], entries };
}

/** Rebuilds the runtime's host refs from a record, with `valueOf` giving this runtime's value for a role. */
export function restoreHostRefs<Role>(rt: QuickJSRuntime, record: HostRefsRecord<Role>, valueOf: (role: Role) => object): void {
  const map = (rt as unknown as RuntimeFields).hostRefs;
  map.nextId = record.nextId;
  map.freelist = [...record.freelist];
  map.groups = new Map();
  for (const [id, role] of record.entries) {
    const groupId = id >> 8;
    let group = map.groups.get(groupId);
    if (!group) map.groups.set(groupId, (group = new Map()));
    group.set(id, valueOf(role));
  }
}

/** Number of live host refs (tests use it to check that runs leave none behind). */
export function hostRefCount(rt: QuickJSRuntime): number {
  let n = 0;
  for (const group of (rt as unknown as RuntimeFields).hostRefs.groups.values()) n += group.size;
  return n;
}

/**
 * Wrappers around a runtime and context that live in a memory about to be overwritten with a
 * snapshot. Nothing here calls into C with the pointers: the context's scratch buffer is allocated
 * in the memory as it is now, then pointed at the recorded one once the snapshot is in place.
 */
export function wrapRuntime(module: QuickJSWASMModule, options: { rt: number; ctx: number }): { rt: QuickJSRuntime; ctx: QuickJSContext } {
  const fields = module as unknown as ModuleFields;
  const rt = new QuickJSRuntime({
    module: fields.module as never,
    ffi: fields.ffi as never,
    callbacks: fields.callbacks as never,
    rt: new Lifetime(options.rt) as never,
  });
  const ctx = rt.newContext({ contextPointer: options.ctx as never });
  return { rt, ctx };
}

/** Points the context's scratch buffer at `ptr` in `memory` (after a snapshot was written there). */
export function setScratchPointer(ctx: QuickJSContext, ptr: number, memory: WebAssembly.Memory): void {
  (ctx as unknown as { uint32Out: unknown }).uint32Out = new Lifetime({ ptr, typedArray: new Uint32Array(memory.buffer, ptr, 1) });
}

/** A handle for a JSValue that exists in the context's memory at `ptr`. */
export function adoptHandle(ctx: QuickJSContext, ptr: number): QuickJSHandle {
  return (ctx as unknown as ContextFields).memory.heapValueHandle(ptr);
}
