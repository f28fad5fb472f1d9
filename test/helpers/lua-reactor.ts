/**
 * Runs Lua source on the Lua reactor (languages/lua) under a minimal WASI preview-1 host: stdout and
 * stderr captured, a fixed clock, no files. It exists only to exercise the artifact and the
 * instrumentation passes; the engine's own WASI host comes with the component engine.
 */

const EBADF = 8;
const ENOSYS = 52;

/** Instantiates the reactor and runs `code`; returns its status, output, memory size and (if instrumented) fuel left. */
export async function runLuaReactor(module: WebAssembly.Module, code: string, options: { fuel?: bigint } = {}) {
  const out = { stdout: "", stderr: "" };
  let memory!: WebAssembly.Memory;
  const view = () => new DataView(memory.buffer);
  const decoder = new TextDecoder();
  const wasi: Record<string, (...args: number[]) => number> = {
    fd_write(fd, iovs, count, written) {
      if (fd !== 1 && fd !== 2) return EBADF;
      let n = 0;
      for (let i = 0; i < count; i++) {
        const ptr = view().getUint32(iovs + i * 8, true);
        const len = view().getUint32(iovs + i * 8 + 4, true);
        out[fd === 1 ? "stdout" : "stderr"] += decoder.decode(new Uint8Array(memory.buffer, ptr, len));
        n += len;
      }
      view().setUint32(written, n, true);
      return 0;
    },
    clock_time_get(_id, _precision, result) {
      view().setBigUint64(result, 1_700_000_000_000_000_000n, true);
      return 0;
    },
    fd_fdstat_get: (fd) => (fd <= 2 ? 0 : EBADF),
    fd_prestat_get: () => EBADF,
    proc_exit: (code) => {
      throw new Error(`exit ${code}`);
    },
  };
  const imports = new Proxy(wasi, { get: (t, name: string) => t[name] ?? (() => ENOSYS) });
  // The artifact tests make no host calls (the component engine serves them); one would end the run.
  const host = {
    call() {
      throw new Error("runLuaReactor: no Kiln host here");
    },
  };
  const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: imports, "kiln:runtime/host@0.1.0": host });
  const ex = instance.exports as Record<string, any>;
  memory = ex.memory;
  if (ex.__kiln_fuel) ex.__kiln_fuel.value = options.fuel ?? 1n << 60n;
  ex._initialize();
  if (ex.kiln_init() !== 0) throw new Error("kiln_init failed");
  const src = new TextEncoder().encode(code);
  const ptr = ex.kiln_alloc(src.length);
  new Uint8Array(memory.buffer, ptr, src.length).set(src);
  let status: number | "trap";
  try {
    status = ex.kiln_run(ptr, src.length) as number;
  } catch (e) {
    if (!(e instanceof WebAssembly.RuntimeError)) throw e;
    status = "trap";
  }
  return { status, ...out, memoryBytes: memory.buffer.byteLength, fuelLeft: ex.__kiln_fuel?.value as bigint | undefined };
}

