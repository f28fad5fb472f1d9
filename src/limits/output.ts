/** Where kept output goes as it is written (a streamed run): only what the cap kept, never empty text. */
export type OutputListener = (stream: "stdout" | "stderr", text: string) => void;

/** Captured stdout and stderr of one run, capped in UTF-8 bytes across both streams. */
export class OutputBuffer {
  #stdout: string[] = [];
  #stderr: string[] = [];
  #bytes = 0;
  #overflowed = false;
  readonly #listener: OutputListener | undefined;
  constructor(
    readonly maxBytes: number,
    listener?: OutputListener,
  ) {
    this.#listener = listener;
  }

  /** Appends text; returns false (and keeps only what fits) once the cap is reached. */
  write(stream: "stdout" | "stderr", text: string): boolean {
    if (this.#overflowed) return false;
    const target = stream === "stdout" ? this.#stdout : this.#stderr;
    const size = utf8Length(text);
    if (this.#bytes + size <= this.maxBytes) {
      this.#bytes += size;
      target.push(text);
      if (text) this.#listener?.(stream, text);
      return true;
    }
    const kept = truncateUtf8(text, this.maxBytes - this.#bytes);
    target.push(kept);
    if (kept) this.#listener?.(stream, kept);
    this.#bytes = this.maxBytes;
    this.#overflowed = true;
    return false;
  }

  get overflowed(): boolean {
    return this.#overflowed;
  }
  get stdout(): string {
    return this.#stdout.join("");
  }
  get stderr(): string {
    return this.#stderr.join("");
  }
}

/** UTF-8 length of a string without allocating. */
export function utf8Length(text: string): number {
  return utf8Prefix(text, Infinity).bytes;
}

/** Walks code points until `maxBytes` would be exceeded; returns the prefix length in UTF-16 units. */
function utf8Prefix(text: string, maxBytes: number): { units: number; bytes: number } {
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += pair ? 2 : 1;
  }
  return { units: i, bytes };
}

function truncateUtf8(text: string, maxBytes: number): string {
  return text.slice(0, utf8Prefix(text, maxBytes).units);
}
