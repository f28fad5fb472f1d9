import { extname } from "node:path";

/** Kiln's language for a file name's extension. */
const BY_EXTENSION: Record<string, string> = {
  ".js": "javascript",
  ".mjs": "javascript",
  ".cjs": "javascript",
  ".ts": "typescript",
  ".mts": "typescript",
  ".cts": "typescript",
  ".py": "python",
  ".rb": "ruby",
  ".lua": "lua",
};

/** The language a source file is in, from its extension; undefined for one kiln does not know. */
export function sourceLanguage(file: string): string | undefined {
  return BY_EXTENSION[extname(file).toLowerCase()];
}
