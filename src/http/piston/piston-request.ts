import type { Config } from "../../config.ts";
import { RequestError } from "../../errors.ts";
import { utf8Length } from "../../limits/output.ts";
import { isSafeFileName, MAX_ARG_BYTES, MAX_ARGS, MAX_FILES, MAX_FILES_BYTES, MAX_STDIN_BYTES, type RunFile } from "../../limits/run-inputs.ts";
import type { RequestedLimits } from "../../limits/run-limits.ts";
import { FILE_NAME } from "../run-request.ts";
import { fromBase64 } from "../../platform/base64.ts";

/**
 * The body of Piston's `POST /api/v2/execute` (and of the WebSocket's `init` message), checked in
 * Piston's order with Piston's wording: the first problem is a 400 `{message}`. Fields Piston does
 * not know are ignored, as Piston ignores them. What Kiln adds: a file's content must decode to
 * UTF-8 text (Kiln's run files are source text), names must stay inside the run's files, and
 * Kiln's caps on stdin, args and files apply (413).
 */
export interface PistonExecute {
  language: string;
  version: string;
  /** The first utf8 file's content: the program. */
  code: string;
  /** The other files, decoded, by name. */
  files: RunFile[];
  stdin: string;
  args: string[];
  limits: RequestedLimits;
}

/** Piston's per-request limits, each checked against a configured ceiling: `<stage>_<constraint>`. */
const CONSTRAINTS = ["memory_limit", "timeout", "cpu_time"] as const;
const STAGES = ["compile", "run"] as const;
const ENCODINGS = ["utf8", "base64", "hex"] as const;
type Encoding = (typeof ENCODINGS)[number];

const bad = (message: string) => new RequestError("invalid_request", message);
const tooLarge = (message: string) => new RequestError("payload_too_large", message);

/**
 * The ceiling of each Piston limit on this server. The run's are the server's maxima
 * (`KILN_MAX_TIMEOUT_MS` for both times, `KILN_MAX_MEMORY_MB` in bytes). Kiln has no compile stage
 * (TypeScript's transpile counts toward the run), so the compile limits are only checked, against
 * Piston's own default ceilings (10 s) or the run's where those are higher: piston-client always
 * sends `compile_timeout: 10000`.
 */
export function pistonCeilings(config: Config): Record<`${(typeof STAGES)[number]}_${(typeof CONSTRAINTS)[number]}`, number> {
  const memory = config.maxima.memoryMb * 1024 * 1024;
  const time = config.maxima.timeoutMs;
  return { run_memory_limit: memory, run_timeout: time, run_cpu_time: time, compile_memory_limit: memory, compile_timeout: Math.max(10_000, time), compile_cpu_time: Math.max(10_000, time) };
}

/** Checks and decodes an execute body (already parsed JSON); `findRuntime` answers or throws at the point Piston looks the runtime up. */
export function parsePistonExecute<R>(body: unknown, config: Config, findRuntime: (language: string, version: string) => R): PistonExecute & { runtime: R } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw bad("the request body must be a JSON object");
  const b = body as Record<string, unknown>;
  const { language, version, files } = b;
  if (typeof language !== "string" || language === "") throw bad("language is required as a string");
  if (typeof version !== "string" || version === "") throw bad("version is required as a string");
  if (!Array.isArray(files)) throw bad("files is required as an array");
  files.forEach((file: unknown, i) => {
    const f = (typeof file === "object" && file !== null ? file : {}) as Record<string, unknown>;
    if (typeof f.content !== "string") throw bad(`files[${i}].content is required as a string`);
    if (f.encoding !== undefined && !(ENCODINGS as readonly unknown[]).includes(f.encoding)) throw bad(`files[${i}].encoding must be one of ${ENCODINGS.join(", ")}`);
    if (f.name !== undefined && typeof f.name !== "string") throw bad(`files[${i}].name must be a string`);
  });
  const runtime = findRuntime(language, version);
  const typed = files as { name?: string; content: string; encoding?: Encoding }[];
  if (!typed.some((f) => (f.encoding ?? "utf8") === "utf8")) throw bad("files must include at least one utf8 encoded file");
  const limits = checkLimits(b, config);
  const stdin = checkStdin(b.stdin);
  const args = checkArgs(b.args);
  const decoded = typed.map((f, i) => ({ name: checkName(f.name ?? `file${i}.code`, i), content: decode(f.content, f.encoding ?? "utf8", i), utf8: (f.encoding ?? "utf8") === "utf8" }));
  const mainIndex = decoded.findIndex((f) => f.utf8);
  const main = decoded[mainIndex]!;
  const others = decoded.filter((_, i) => i !== mainIndex).map(({ name, content }) => ({ name, content }));
  checkFiles(main, others, config);
  return { runtime, language, version, code: main.content, files: others, stdin, args, limits };
}

/**
 * Piston's limit checks: an absent or zero limit is the default; anything else must be a number, at
 * most its ceiling, and not negative, except `-1` memory, Piston's "no limit" (piston-client's
 * default), which here is the server's default cap: the one the warm instances are kept for, where
 * another cap would start a new one. The run gets the smaller of `run_timeout` and `run_cpu_time` as
 * its deadline (a sandbox runs on one thread), `run_memory_limit` in MiB (rounded up) as its memory
 * cap, and the server's maximum fuel, so that Piston's time limits are what end a long run.
 */
function checkLimits(b: Record<string, unknown>, config: Config): RequestedLimits {
  const ceilings = pistonCeilings(config);
  const given: Partial<Record<string, number>> = {};
  for (const constraint of CONSTRAINTS) {
    for (const stage of STAGES) {
      const name = `${stage}_${constraint}` as const;
      const value = b[name];
      if (value === undefined || value === null || value === 0) continue;
      if (typeof value !== "number" || !Number.isFinite(value)) throw bad(`If specified, ${name} must be a number`);
      if (constraint === "memory_limit" && value === -1) continue;
      if (value > ceilings[name]) throw bad(`${name} cannot exceed the configured limit of ${ceilings[name]}`);
      if (value < 0) throw bad(`${name} must be non-negative`);
      given[name] = value;
    }
  }
  const deadlines = [given.run_timeout, given.run_cpu_time].filter((v): v is number => v !== undefined);
  return {
    fuel: config.maxima.fuel,
    ...(deadlines.length && { timeoutMs: Math.max(1, Math.ceil(Math.min(...deadlines))) }),
    ...(given.run_memory_limit !== undefined && { memoryMb: Math.max(1, Math.ceil(given.run_memory_limit / (1024 * 1024))) }),
  };
}

/** Piston's stdin: text, default empty, with the trailing newline Piston adds when it is missing (so no stdin is one empty line). */
function checkStdin(stdin: unknown): string {
  if (stdin !== undefined && stdin !== null && typeof stdin !== "string") throw bad("If specified, stdin must be a string");
  const given = typeof stdin === "string" ? stdin : "";
  const text = given.endsWith("\n") ? given : `${given}\n`;
  if (utf8Length(text) > MAX_STDIN_BYTES) throw tooLarge(`stdin: larger than ${MAX_STDIN_BYTES} bytes`);
  return text;
}

function checkArgs(args: unknown): string[] {
  if (args === undefined || args === null) return [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string")) throw bad("If specified, args must be an array of strings");
  if (args.length > MAX_ARGS) throw tooLarge(`args: at most ${MAX_ARGS} arguments`);
  args.forEach((a: string, i) => {
    if (utf8Length(a) > MAX_ARG_BYTES) throw tooLarge(`args[${i}]: larger than ${MAX_ARG_BYTES} bytes`);
  });
  return args as string[];
}

/** A file name must be a relative path inside the run's files (Piston refuses a path that leaves its folder). */
function checkName(name: string, i: number): string {
  if (!FILE_NAME.test(name) || !isSafeFileName(name)) {
    throw bad(`files[${i}].name must be a relative path of A-Z a-z 0-9 . _ - segments separated by /, with no empty, . or .. segment`);
  }
  return name;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** A file's content as text: base64 and hex are decoded and must be UTF-8. */
function decode(content: string, encoding: Encoding, i: number): string {
  if (encoding === "utf8") return content;
  let bytes: Uint8Array;
  if (encoding === "base64") {
    const clean = content.replace(/\s+/g, "");
    if (!BASE64.test(clean)) throw bad(`files[${i}].content is not valid base64`);
    bytes = fromBase64(clean);
  } else {
    if (!HEX.test(content)) throw bad(`files[${i}].content is not valid hex`);
    bytes = new Uint8Array(content.length / 2);
    for (let j = 0; j < bytes.length; j++) bytes[j] = parseInt(content.slice(j * 2, j * 2 + 2), 16);
  }
  try {
    return UTF8.decode(bytes);
  } catch {
    throw bad(`files[${i}].content does not decode to UTF-8 text (Kiln's run files are source text)`);
  }
}

/** Kiln's caps: the program within KILN_MAX_CODE_BYTES, at most MAX_FILES other files, all of it within MAX_FILES_BYTES, names unique. */
function checkFiles(main: RunFile, others: RunFile[], config: Config): void {
  if (utf8Length(main.content) > config.maxCodeBytes) throw tooLarge(`files: the main file is larger than ${config.maxCodeBytes} bytes`);
  if (others.length > MAX_FILES) throw tooLarge(`files: at most ${MAX_FILES + 1} files (the main one and ${MAX_FILES} more)`);
  const total = others.reduce((sum, f) => sum + utf8Length(f.content), utf8Length(main.content));
  if (total > MAX_FILES_BYTES) throw tooLarge(`files: larger than ${MAX_FILES_BYTES} bytes together`);
  const names = new Set([main.name]);
  for (const f of others) {
    if (names.has(f.name)) throw bad(`files: '${f.name}' is named twice`);
    names.add(f.name);
  }
}
