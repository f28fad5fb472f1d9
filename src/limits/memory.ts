/**
 * The memory cap. The real bound is the `maximum` of the instance's `WebAssembly.Memory`;
 * engine-level accounting (QuickJS's setMemoryLimit) is only a guard against single large
 * allocations. Near the cap, host calls into an instance can fail silently, so an instance
 * that ends a run close to it must be discarded.
 */
export const WASM_PAGE_BYTES = 65_536;

/** Pages of linear memory allowed by a cap given in MiB. */
export function memoryPages(memoryMb: number): number {
  return Math.floor((memoryMb * 1024 * 1024) / WASM_PAGE_BYTES);
}

/** Creates a linear memory with a hard maximum; `initialPages` is what the module needs to start. */
export function createCappedMemory(memoryMb: number, options: { initialPages: number }): WebAssembly.Memory {
  const maximum = memoryPages(memoryMb);
  return new WebAssembly.Memory({ initial: Math.min(options.initialPages, maximum), maximum });
}

/** True when a memory has grown so close to its cap that the instance is no longer trustworthy. */
export function isNearCap(memory: WebAssembly.Memory, memoryMb: number): boolean {
  return isNearCapBytes(memory.buffer.byteLength, memoryMb);
}

/** The same for a memory of `bytes` (as its guest sees it). */
export function isNearCapBytes(bytes: number, memoryMb: number): boolean {
  const cap = memoryPages(memoryMb) * WASM_PAGE_BYTES;
  const headroom = Math.max(2 << 20, cap / 20);
  return bytes + headroom >= cap;
}
