import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, VmFunctionImplementation } from "quickjs-emscripten-core";
import { GUEST_KILN_MODULE, BRIDGE_KEY } from "./guest-kiln.ts";
import { GUEST_GLOBALS } from "./guest-globals.ts";
import { GUEST_PRELUDE } from "./guest-prelude.ts";
import { guestUrlFactory } from "./guest-url.ts";
import { GUEST_WEB_APIS } from "./guest-web-apis.ts";
import { QuickJSBridge, type BridgeTarget } from "./quickjs-bridge.ts";
import type { PreparedSource } from "./prepare-source.ts";
import type { QuickJSInstance } from "./quickjs-instance.ts";
import type { RunModules } from "./run-modules.ts";

/** QuickJS's own stack check must fire before V8's native stack overflows (measured safe up to 384 KiB). */
export const MAX_STACK_BYTES = 256 * 1024;

/** What a session's host callbacks reach while a run uses it. */
export interface SessionRun {
  /** Polled by QuickJS about every 10,000 ticks; true stops the guest. */
  interrupt(setup?: boolean): boolean;
  write(stream: "stdout" | "stderr", text: string): void;
  /** The run's host, for the bridge (created when the script imports `kiln`). */
  bridgeTarget(): BridgeTarget;
  /** The run's files its code may import. */
  readonly modules: RunModules;
  /** The run's stdin, for the guest's `readStdin()` ("" without one). */
  readStdin(): string;
}

/** The prelude's driver functions (see guest-prelude.ts). */
export interface SessionApi {
  invoke: QuickJSHandle;
  tick: QuickJSHandle;
  describe: QuickJSHandle;
}

/** The functions a session registers with the host, in registration order (snapshots record them by role). */
export type HostFunctionRole = "write" | "loadGlobals" | "stdin" | "bridge";

/**
 * What a kept instance holds outside its linear memory: emscripten's module object, the library's
 * wrappers, their views. Measured: 50 warm tiny scripts grew a process by 1.3 to 1.6 MiB of RSS each,
 * 0.75 MiB of it their touched pages and snapshots; this rounds the rest up.
 */
const JS_SIDE_BYTES = 1 << 20;

/**
 * A QuickJS runtime and context with Kiln's prelude: what a script is evaluated in. The host
 * callbacks (interrupt, output, module loader, bridge) go to the run attached at that moment, so one
 * session can serve many runs: a snapshot restores the session's memory between them.
 * The session owns its handles; `dispose` frees them, the context and the runtime.
 */
export class QuickJSSession implements Disposable {
  run: SessionRun | undefined;
  api: SessionApi | undefined;
  bridge: QuickJSBridge | undefined;
  /** After the script's top level ran: how it was evaluated and, for a module, its namespace. */
  evaluated: { kind: PreparedSource["kind"]; namespace: QuickJSHandle | undefined } | undefined;
  /** Every host function this session registered, by role (the snapshot code maps host refs through it). */
  readonly hostFunctions = new Map<HostFunctionRole, Function>();
  readonly #handles: QuickJSHandle[] = [];

  constructor(
    readonly instance: QuickJSInstance,
    readonly rt: QuickJSRuntime,
    readonly ctx: QuickJSContext,
  ) {
    const write = (streamHandle: QuickJSHandle, textHandle: QuickJSHandle) => {
      this.run?.write(ctx.getNumber(streamHandle) === 1 ? "stderr" : "stdout", ctx.getString(textHandle));
    };
    // Compiles a group of the guest's globals by name: the prelude asks for each on first touch.
    const loadGlobals = (groupHandle: QuickJSHandle) => {
      const group = ctx.getString(groupHandle);
      const web = Object.hasOwn(GUEST_WEB_APIS, group) ? GUEST_WEB_APIS[group] : undefined;
      const source = web ?? (group === "url" ? guestUrlFactory() : GUEST_GLOBALS);
      return ctx.evalCode(source, `kiln:${web !== undefined || group === "url" ? group : "globals"}`, { type: "global" });
    };
    // The guest's readStdin(): what it read came from outside, so a top level that read it is never snapshotted.
    const stdin = () => {
      this.stdinReads++;
      return ctx.newString(this.run?.readStdin() ?? "");
    };
    this.hostFunctions.set("write", write);
    this.hostFunctions.set("loadGlobals", loadGlobals);
    this.hostFunctions.set("stdin", stdin);
  }

  /** Calls of the guest's readStdin() since the session was opened (a snapshot is never taken after one). */
  stdinReads = 0;

  /** The instance's linear memory. */
  get memory(): WebAssembly.Memory {
    return this.instance.memory;
  }

  /**
   * On the instrumented build, what the instance holds: the pages it touched, and its JS side (the warm
   * pools count this); else undefined (all of its memory counts).
   */
  residentBytes(): number | undefined {
    const touched = this.instance.tracking?.bitmap.touchedBytes();
    return touched === undefined ? undefined : touched + JS_SIDE_BYTES;
  }

  /** A new runtime and context in `instance`, with the limits every run has. */
  static open(instance: QuickJSInstance, options: { memoryMb: number }): QuickJSSession {
    const rt = instance.module.newRuntime();
    rt.setMaxStackSize(MAX_STACK_BYTES);
    // Not a bound (QuickJS counts ~8 bytes per block here); it makes single huge allocations fail early.
    rt.setMemoryLimit(Math.floor((options.memoryMb * 1024 * 1024) / 2));
    const session = new QuickJSSession(instance, rt, rt.newContext());
    session.bindRuntime();
    // Created now, before anything could be snapshotted: the handle is cached by the library.
    void session.ctx.global;
    return session;
  }

  /** Installs the runtime-level callbacks (again, after a restore built new wrappers). */
  bindRuntime(): void {
    // `kiln` is the host's module; a relative specifier names one of the run's files (run-modules.ts), resolved against the importing module; another bare one, a library.
    this.rt.setModuleLoader(
      (name) => (name === "kiln" ? this.#openBridge() : (this.run?.modules.load(name) ?? { error: new Error(this.run?.modules.missing(name) ?? `Cannot find module '${name}'`) })),
      (base, requested) => this.run?.modules.resolve(base, requested) ?? requested,
    );
    // Kiln's own prelude is counted but never cut short (a 1 ms deadline could interrupt it into a host
    // error): the run's fuel and deadline stop it from the guest's first line on.
    this.rt.setInterruptHandler(() => {
      // With no run attached (a pristine session being built), the prelude's polls are counted for the runs that start from it.
      if (this.#inPrelude && !this.run) this.preludeFuel++;
      return this.run?.interrupt(this.#inPrelude) ?? !this.#inPrelude;
    });
  }

  /** Fuel the prelude used while no run was attached (a pristine session: every run from it starts with this much). */
  preludeFuel = 0;

  /** The JS-side state `rewind` puts back: the handles the session kept when it was marked pristine. */
  #pristineHandles: number | undefined;

  /**
   * Marks the session as it is now (runtime, context and prelude, no script yet) as its pristine state,
   * which a snapshot taken at this moment holds: after each run its memory is reset to that snapshot and
   * `rewind` puts back the JS side (a run's handles are dropped, never freed: their memory is gone).
   */
  markPristine(): void {
    this.#pristineHandles = this.#handles.length;
  }

  /** The JS-side state of `markPristine`, for a session whose memory was (or is being) reset to its pristine snapshot. */
  rewind(): void {
    if (this.#pristineHandles === undefined) throw new Error("QuickJSSession: rewind of a session never marked pristine");
    this.#handles.length = this.#pristineHandles;
    this.evaluated = undefined;
    this.stdinReads = 0;
  }

  /** Evaluates the prelude (under the attached run's fuel) and keeps its driver functions. */
  installPrelude(): SessionApi {
    if (this.api) return this.api;
    this.#inPrelude = true;
    try {
      return this.#installPrelude();
    } finally {
      this.#inPrelude = false;
    }
  }

  #inPrelude = false;

  #installPrelude(): SessionApi {
    const ctx = this.ctx;
    const fn = (role: HostFunctionRole) => this.hostFunctions.get(role) as VmFunctionImplementation<QuickJSHandle>;
    const write = this.own(ctx.newFunction("write", fn("write")));
    const factory = this.own(ctx.unwrapResult(ctx.evalCode(GUEST_PRELUDE, "kiln:prelude", { type: "global" })));
    // Compiled inside the guest only when the script first touches console or a timer.
    const loadGlobals = this.own(ctx.newFunction("loadGlobals", fn("loadGlobals")));
    const stdin = this.own(ctx.newFunction("readStdin", fn("stdin")));
    const api = this.own(ctx.unwrapResult(ctx.callFunction(factory, ctx.undefined, write, loadGlobals, stdin)));
    this.api = {
      invoke: this.own(ctx.getProp(api, "invoke")),
      tick: this.own(ctx.getProp(api, "tick")),
      describe: this.own(ctx.getProp(api, "describe")),
    };
    return this.api;
  }

  /** Keeps a handle for the session's lifetime. */
  own<T extends QuickJSHandle>(handle: T): T {
    this.#handles.push(handle);
    return handle;
  }

  /** Takes the prelude's driver functions from a restored snapshot instead of evaluating it. */
  adoptPrelude(api: SessionApi): void {
    this.api = { invoke: this.own(api.invoke), tick: this.own(api.tick), describe: this.own(api.describe) };
  }

  /** Takes a bridge that already exists in a restored snapshot. */
  adoptBridge(bridge: QuickJSBridge): void {
    this.bridge = bridge;
    this.hostFunctions.set("bridge", bridge.hostFunction);
  }

  /** Forgets the bridge without freeing it (after a reset to a state from before it existed). */
  dropBridge(): void {
    this.bridge = undefined;
    this.hostFunctions.delete("bridge");
  }

  /**
   * The host bridge exists only once a script imports `kiln`: it is left on a non-enumerable
   * symbol-keyed global for the module to pick up, and the module's source is returned.
   */
  #openBridge(): string {
    let bridge = this.bridge;
    if (!bridge) {
      bridge = new QuickJSBridge(this.ctx);
      this.adoptBridge(bridge);
      const key = this.ctx.newSymbolFor(BRIDGE_KEY);
      this.ctx.defineProp(this.ctx.global, key, { value: bridge.handle, configurable: false, enumerable: false });
      key.dispose();
    }
    if (this.run) bridge.attach(this.run.bridgeTarget());
    return GUEST_KILN_MODULE;
  }

  /** Frees every handle, the bridge, the context and the runtime. */
  dispose(): void {
    this.bridge?.dispose();
    for (const handle of this.#handles.reverse()) if (handle.alive) handle.dispose();
    this.#handles.length = 0;
    this.ctx.dispose();
    this.rt.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
