const PAGE = 65536;

/**
 * How an instance differs from its snapshot after a restore, byte for byte: the pages of linear memory
 * that differ (memory grown past the snapshot must be all zeros) and the state globals whose values
 * differ. Empty when a restore put everything back. The check behind the warm pool's `verifyRestores`
 * (tests): it reads all of memory, so it costs far more than the restore it checks.
 */
export function restoreDifferences(memory: WebAssembly.Memory, snapshot: Uint8Array, globals?: { now: readonly WebAssembly.Global[]; then: readonly unknown[] }): string[] {
  const out = memoryDifferences(memory, snapshot);
  globals?.now.forEach((g, i) => {
    if (g.value !== globals.then[i]) out.push(`state global ${i} is ${String(g.value)}, was ${String(globals.then[i])}`);
  });
  return out;
}

/** How a linear memory differs from a snapshot of it, page by page (memory grown past the snapshot must be all zeros). */
export function memoryDifferences(memory: WebAssembly.Memory, snapshot: Uint8Array): string[] {
  const out: string[] = [];
  const bytes = new Uint8Array(memory.buffer);
  if (bytes.length < snapshot.length) out.push(`memory shrank from ${snapshot.length} to ${bytes.length} bytes`);
  // Eight bytes at a time: both lengths are whole pages, so the views line up.
  const now = new BigUint64Array(bytes.buffer, 0, bytes.length / 8);
  const then = new BigUint64Array(snapshot.buffer, snapshot.byteOffset, snapshot.length / 8);
  for (let page = 0; page * PAGE < bytes.length; page++) {
    const from = (page * PAGE) / 8;
    for (let i = from; i < from + PAGE / 8; i++) {
      if (now[i] !== (i < then.length ? then[i] : 0n)) {
        out.push(`page ${page} differs at byte ${i * 8 - page * PAGE}${page * PAGE >= snapshot.length ? " (grown past the snapshot)" : ""}`);
        break;
      }
    }
  }
  return out;
}
