import type { GuestError, TrapReason } from "../../errors.ts";
import { DisposedError } from "../../errors.ts";
import { isNearCap } from "../../limits/memory.ts";
import { trapError } from "../trap-error.ts";
import type { Engine, LanguageInfo, RunJob, RunOutcome } from "../engine.ts";
import { FUEL_GLOBAL } from "./instrument-fuel.ts";
import { GuestExit } from "./wasi/cli.ts";
import { OutputLimitExceeded } from "./wasi/io.ts";
import { createWasiHost } from "./wasi/wasi-host.ts";

/** One unit of component fuel is this many metered events (function entries and loop iterations). */
export const FUEL_UNIT = 10_000n;

type CoreInstantiate = (module: WebAssembly.Module, imports: WebAssembly.Imports) => Promise<WebAssembly.Instance>;

/** A language runtime wrapped as a component and ready to instantiate (prepared by an adapter). */
export interface PreparedComponentRuntime {
  language: Omit<LanguageInfo, "engine">;
  /** jco's generated `instantiate` for the component. */
  instantiate(getCoreModule: (name: string) => WebAssembly.Module, imports: object, instantiateCore: CoreInstantiate): Promise<{ run(source: string): string }>;
  /** The main core module, metered and with its memory capped at `memoryMb`. */
  mainModule(memoryMb: number): WebAssembly.Module;
  mainModuleName: string;
  /** The other core modules (the WASI adapter and jco's shims). */
  modules: ReadonlyMap<string, WebAssembly.Module>;
  /** The source the runtime runs for `code` with `inputJson`; it returns the result as JSON text. */
  wrap(code: string, inputJson: string): string;
}

/**
 * Runs languages compiled to WebAssembly components (Lua so far): a fresh instance per run on a
 * per-instance WASI host with nothing open, metered by the fuel global the build pass added, with
 * memory capped in the module itself.
 */
export class ComponentEngine implements Engine {
  readonly name = "component";
  readonly languages: readonly LanguageInfo[];
  readonly #runtimes = new Map<string, PreparedComponentRuntime>();
  #disposed = false;

  constructor(runtimes: readonly PreparedComponentRuntime[]) {
    for (const r of runtimes) this.#runtimes.set(r.language.name, r);
    this.languages = ComponentEngine.languagesOf(runtimes);
  }

  /** The languages prepared runtimes serve, as `GET /v1/languages` lists them. */
  static languagesOf(runtimes: readonly PreparedComponentRuntime[]): LanguageInfo[] {
    return runtimes.map((r) => ({ ...r.language, engine: "component" }));
  }

  async run(job: RunJob): Promise<RunOutcome> {
    if (this.#disposed) throw new DisposedError("the component engine was disposed");
    const runtime = this.#runtimes.get(job.language);
    if (!runtime) throw new Error(`component engine: no runtime for ${job.language}`);
    const started = Date.now();
    const host = createWasiHost({ maxOutputBytes: job.limits.maxOutputBytes });
    const budget = BigInt(job.limits.fuel) * FUEL_UNIT;
    const main = runtime.mainModule(job.limits.memoryMb);
    let core: WebAssembly.Instance | undefined;
    const finish = (result: { ok: true; result: unknown } | { ok: false; error: GuestError }): RunOutcome => {
      const left = core ? ((core.exports[FUEL_GLOBAL] as WebAssembly.Global).value as bigint) : budget;
      const used = budget - (left < 0n ? 0n : left);
      const memory = core?.exports.memory as WebAssembly.Memory | undefined;
      return {
        ...result,
        stdout: host.stdout(),
        stderr: host.stderr(),
        logs: [],
        usage: { fuel: Number((used + FUEL_UNIT - 1n) / FUEL_UNIT), memoryBytes: memory?.buffer.byteLength ?? null, wallMs: Date.now() - started },
      };
    };
    const trap = (reason: TrapReason) => finish({ ok: false, error: trapError(reason, job.limits) });
    const instance = await runtime.instantiate((name) => (name === runtime.mainModuleName ? main : runtime.modules.get(name)!), host.imports, async (module, imports) => {
      const inst = await WebAssembly.instantiate(module, imports);
      if (module === main) {
        core = inst;
        (inst.exports[FUEL_GLOBAL] as WebAssembly.Global).value = budget;
      }
      return inst;
    });
    let json: string;
    try {
      json = instance.run(runtime.wrap(job.code, job.inputJson));
    } catch (e) {
      if (e instanceof OutputLimitExceeded || host.overflowed) return trap("output_limit");
      const left = core ? ((core.exports[FUEL_GLOBAL] as WebAssembly.Global).value as bigint) : 0n;
      if (e instanceof WebAssembly.RuntimeError && left < 0n) return trap("fuel_exhausted");
      const payload = (e as { payload?: unknown }).payload;
      if (typeof payload === "string") return finish({ ok: false, error: guestFailure(payload) ?? trapError("memory_exhausted", job.limits) });
      const memory = core?.exports.memory as WebAssembly.Memory | undefined;
      if (memory && isNearCap(memory, job.limits.memoryMb)) return trap("memory_exhausted");
      if (e instanceof GuestExit) return finish({ ok: false, error: { code: "guest_error", message: e.message } });
      if (e instanceof RangeError || e instanceof WebAssembly.RuntimeError) return finish({ ok: false, error: { code: "guest_error", message: `${e.name}: ${e.message}` } });
      throw e;
    }
    if (host.overflowed) return trap("output_limit");
    if (json.length > job.limits.maxResultBytes) return finish({ ok: false, error: { code: "output_limit", message: `The result is larger than ${job.limits.maxResultBytes} bytes` } });
    return finish({ ok: true, result: JSON.parse(json) });
  }

  dispose(): void {
    this.#disposed = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Maps the runtime's `<kind>:<message>` error to a guest error; undefined means out of memory. */
function guestFailure(payload: string): GuestError | undefined {
  const [kind, ...rest] = payload.split(":");
  const message = rest.join(":");
  if (kind === "memory") return undefined;
  if (message.startsWith("syntax:")) {
    const text = message.slice("syntax:".length);
    const line = /^script:(\d+):/.exec(text)?.[1];
    return { code: "syntax_error", message: `SyntaxError: ${text}`, ...(line ? { line: Number(line) } : {}) };
  }
  if (/not enough memory/.test(message)) return undefined;
  return { code: "guest_error", message };
}
