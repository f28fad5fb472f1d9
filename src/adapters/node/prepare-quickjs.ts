import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { PREPARE_VERSION } from "../../engine/component/prepared-runtime.ts";

const require = createRequire(import.meta.url);

/** Bumped when what `instrumentQuickJS` produces changes (the cached file's name includes it). */
const INSTRUMENT_QUICKJS_VERSION = 1;

/**
 * The QuickJS build for snapshot sessions (dirty-page tracking, see instrument-quickjs.ts), made from
 * the runtime's artifact once and cached in `cacheDir` under the artifact's hash. Returns the compiled
 * module and the SHA-256 of its bytes (part of every snapshot key).
 */
export async function prepareQuickJSSnapshotModule(specifier: string, options: { cacheDir: string }): Promise<{ module: WebAssembly.Module; sha256: string }> {
  const source = await readFile(require.resolve(specifier));
  const hash = createHash("sha256").update(source).digest("hex");
  // The dirty pass is shared with the component runtimes: its version is part of theirs (PREPARE_VERSION).
  const file = join(options.cacheDir, `quickjs-snapshots-${hash.slice(0, 16)}-v${PREPARE_VERSION}.${INSTRUMENT_QUICKJS_VERSION}.wasm`);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await readFile(file);
  } catch {
    // The pass (and binaryen, most of a second to load) only on a cache miss.
    const { instrumentQuickJS } = await import("../../engine/quickjs/instrument-quickjs.ts");
    bytes = instrumentQuickJS(source);
    await mkdir(options.cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  }
  return { module: new WebAssembly.Module(bytes), sha256: createHash("sha256").update(bytes).digest("hex") };
}
