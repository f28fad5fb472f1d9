/**
 * The caps on a run's inputs besides its JSON input: the text on its standard input, its arguments,
 * and the files its code imports. The request schema refuses what goes over them; the engines check
 * file names again where a name reaches a file system.
 */

/** Standard input, in UTF-8 bytes: 1 MiB. */
export const MAX_STDIN_BYTES = 1024 * 1024;
/** Arguments per run. */
export const MAX_ARGS = 64;
/** One argument, in UTF-8 bytes: 4 KiB. */
export const MAX_ARG_BYTES = 4 * 1024;
/** Files per run. */
export const MAX_FILES = 32;
/** The files' contents and the code together, in UTF-8 bytes: 1 MiB. */
export const MAX_FILES_BYTES = 1024 * 1024;

/** One file a run's code may import: a relative path (`util.py`, `lib/util.js`) and its text. */
export interface RunFile {
  name: string;
  content: string;
}

/** What a run reads besides its JSON input: standard input, arguments, files. All optional. */
export interface RunInputs {
  /** The text on standard input; absent: reads see end of file. */
  stdin?: string;
  /** The arguments after the script's name. */
  args?: string[];
  /** Files the code imports, read-only, by relative path. */
  files?: RunFile[];
}

/**
 * Whether a file name is a plain relative path: not empty, no absolute or drive path, no `.` or `..`
 * or empty segment, no backslash, no NUL or other control character. The schema checks it first;
 * every place a name reaches a file system checks it again.
 */
export function isSafeFileName(name: string): boolean {
  if (name.length === 0 || name.length > 1024) return false;
  if (/[\u0000-\u001f\u007f\\]/.test(name)) return false;
  if (name.startsWith("/")) return false;
  return name.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}

/** The byte length of text in UTF-8. */
export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}
