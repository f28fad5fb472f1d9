import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSWASMModule } from "quickjs-emscripten-core";
import variant from "@jitl/quickjs-wasmfile-release-sync";
import { createCappedMemory, isNearCap } from "../../limits/memory.ts";

/**
 * One instance of the QuickJS wasm module with its own capped linear memory.
 * Runs on it get a fresh runtime and context each; the instance itself is reused until it
 * is poisoned (an exception escaped a wasm call), grew too large, or ended a run near its cap.
 */
export class QuickJSInstance implements Disposable {
  #poisoned = false;
  #disposed = false;

  private constructor(
    readonly module: QuickJSWASMModule,
    readonly memory: WebAssembly.Memory,
    readonly memoryMb: number,
  ) {}

  /** Instantiates the precompiled module against a fresh memory capped at `memoryMb`. */
  static async create(wasmModule: WebAssembly.Module, options: { memoryMb: number; initialPages: number }): Promise<QuickJSInstance> {
    const memory = createCappedMemory(options.memoryMb, { initialPages: options.initialPages });
    const module = await newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmModule, wasmMemory: memory }));
    return new QuickJSInstance(module, memory, options.memoryMb);
  }

  /** Marks the instance unusable; it is dropped instead of being reused. */
  poison(): void {
    this.#poisoned = true;
  }

  /** True when the instance may serve another run. */
  reusable(options: { recycleBytes: number }): boolean {
    return (
      !this.#poisoned &&
      !this.#disposed &&
      !isNearCap(this.memory, this.memoryMb) &&
      this.memory.buffer.byteLength <= options.recycleBytes
    );
  }

  get poisoned(): boolean {
    return this.#poisoned;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Drops the instance. Its linear memory is freed with the last reference to it. */
  dispose(): void {
    this.#disposed = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
