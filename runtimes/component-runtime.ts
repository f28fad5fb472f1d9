/**
 * Kiln's host as Kiln's own runtimes import it (they cannot bind each WIT function themselves): one
 * function per encoding. `call` takes a function name (`kv.get`) and JSON arguments and answers a Lua
 * literal; `call-json` takes `["kv.get", [args]]` and answers JSON. An error is `"<code>: <message>"`.
 */
export const RUNTIME_HOST_WIT = `interface host {
  call: func(name: string, args: string) -> result<string, string>;
  call-json: func(request: string) -> result<string, string>;
}`;

/**
 * What a language served by the component engine is, as data: the core wasm artifact, the component
 * world its exports implement, the guest driver that calls them, and build-time steps. Adapters that
 * can run jco (Node) turn a descriptor into a prepared runtime, cached by content hash.
 */
export interface ComponentRuntimeDescriptor {
  readonly engine: "component";
  readonly language: { readonly name: string; readonly aliases: readonly string[]; readonly version: string };
  /** The core wasm module (a WASI preview1 reactor); gzip-compressed when its name ends in `.gz`. */
  readonly artifact: URL;
  /** The world the (prepared) core module's exports implement. */
  readonly witSource: string;
  readonly world: string;
  /** How the engine drives an instance: which exports it calls, and how it wraps a script. */
  readonly driver: "lua" | "ruby" | "python" | "component";
  /** The module uses Wasm exceptions (legacy encoding): the component is built from an exnref copy. */
  readonly exceptions?: boolean;
  /** A build-time rewrite of the artifact before it is wrapped and metered (it may load its tools lazily). */
  readonly prepareCore?: (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>;
  /** Fuel (metered events) an instance may spend initialising before the run's budget applies. */
  readonly initFuel?: bigint;
  /** Keep initialised instances and restore them after each run instead of starting a new one (see WarmPool). */
  readonly warm?: boolean;
  /** The smallest memory cap the runtime starts under; runs asking for less get this much. */
  readonly minMemoryMb?: number;
  /** Files the runtime reads at run time, each alone in a read-only directory preopened at `path`, in this order. */
  readonly mounts?: readonly { readonly path: string; readonly file: string; readonly artifact: URL }[];
}
