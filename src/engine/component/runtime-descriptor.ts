import type { LanguageDescription, LanguageInfo } from "../engine.ts";
import type { GuestDriver } from "./guest-driver.ts";

/**
 * Kiln's host as Kiln's own runtimes import it (they cannot bind each WIT function themselves): one
 * way to pass a request. The host answers every call as one JSON value: `call-json` takes `["kv.get", [args]]`
 * and answers it as JSON text; `call` takes a function name (`kv.get`) and JSON arguments and answers it in
 * the runtime's own encoding (its descriptor's `answer`). An error is `"<code>: <message>"`.
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
  readonly language: LanguageDescription;
  /** The core wasm module (a WASI preview1 reactor); gzip-compressed when its name ends in `.gz`. */
  readonly artifact: URL;
  /** The world the (prepared) core module's exports implement. */
  readonly witSource: string;
  readonly world: string;
  /** How the engine drives an instance: which exports it calls, and how it wraps a script (the language folder's driver). */
  readonly driver: GuestDriver;
  /**
   * How the runtime reads a host answer through `host.call`: the host answers every call as a JSON value,
   * and this turns it into the runtime's own text (Lua: a Lua literal). Without it, `call` answers JSON.
   */
  readonly answer?: (value: unknown) => string;
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

/**
 * Callers' own components as a language: no artifact of Kiln's, each run brings its component (world
 * `kiln:sandbox/script`), which the engine drives with `driver`. Served where an adapter can prepare them (Node).
 */
export interface CallerComponentsDescriptor {
  readonly engine: "component";
  readonly callerComponents: true;
  readonly language: Pick<LanguageInfo, "name" | "aliases" | "version">;
  readonly driver: GuestDriver;
}
