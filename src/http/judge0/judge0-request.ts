import type { Config } from "../../config.ts";
import { fromBase64 } from "../../platform/base64.ts";
import type { Tenant } from "../../platform/platform-store.ts";
import type { SubmissionRequest } from "../../platform/submission-queue.ts";
import type { SubmissionRunner } from "../../platform/submission-runner.ts";
import { commandLineArgs } from "../../platform/submission-runner.ts";
import { callbackRefusal } from "../../platform/submission-callback.ts";

/** Judge0's validation errors: each field's messages, answered as 422 `{field: [message]}`. */
export type SubmissionErrors = Record<string, string[]>;

/** The most `stdin` and one argument may hold, as on `/v1/run`. */
const MAX_STDIN_BYTES = 1 << 20;
const MAX_ARGS = 64;

/**
 * Judge0's ranges (config.rb), the time and memory maxima lowered to the server's own. The defaults
 * are the server's (`KILN_DEFAULT_TIMEOUT_MS`, `KILN_DEFAULT_MEMORY_MB`; 5 s as in Judge0), and the
 * wall time limit defaults to at least the CPU time limit, since Kiln's deadline is the smaller.
 */
function bounds(config: Config) {
  const maxCpu = Math.min(15, config.maxima.timeoutMs / 1000);
  const maxWall = Math.min(20, Math.max(1, config.maxima.timeoutMs / 1000));
  const cpu = Math.min(config.defaults.timeoutMs / 1000, maxCpu);
  const maxMemory = Math.min(512_000, config.maxima.memoryMb * 1024);
  return {
    cpu_time_limit: { fallback: cpu, min: 0, max: maxCpu, float: true },
    cpu_extra_time: { fallback: 1, min: 0, max: 5, float: true },
    wall_time_limit: { fallback: Math.min(maxWall, Math.max(10, cpu)), min: 1, max: maxWall, float: true },
    memory_limit: { fallback: Math.min(config.defaults.memoryMb * 1024, maxMemory), min: 2048, max: maxMemory, float: false },
    stack_limit: { fallback: 64_000, min: 0, max: 128_000, float: false },
    max_processes_and_or_threads: { fallback: 60, min: 1, max: 120, float: false, above: 0 },
    max_file_size: { fallback: 1024, min: 0, max: 4096, float: false },
    number_of_runs: { fallback: 1, min: 1, max: 20, float: false, above: 0 },
  } as const;
}

/** Ruby's way of printing a configured float maximum (15.0) or integer (512000) in a message. */
const shown = (n: number, float: boolean) => (float && Number.isInteger(n) ? n.toFixed(1) : String(n));

/** Rails' `blank?`: absent, null, or only whitespace. */
const blank = (v: unknown) => v === undefined || v === null || v === false || (typeof v === "string" && v.trim() === "");

/** A text attribute as Rails keeps it: strings as they are, numbers and booleans as text, null when absent. */
function text(v: unknown): string | null | undefined {
  if (v === undefined || v === null) return null;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

/** Strict Base64 (whitespace and missing padding allowed, as Ruby's decoder takes them), then UTF-8; undefined when it is neither. */
export function decodeBase64Text(value: string): string | undefined {
  const flat = value.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(flat) || flat.replace(/=+$/, "").length % 4 === 1) return undefined;
  try {
    const padded = flat.replace(/=+$/, "").padEnd(Math.ceil(flat.replace(/=+$/, "").length / 4) * 4, "=");
    return new TextDecoder("utf-8", { fatal: true }).decode(fromBase64(padded));
  } catch {
    return undefined;
  }
}

const BOOLEAN_TRUE = new Set([true, "true", "1", 1, "t", "on"]);
const BOOLEAN_FALSE = new Set([false, "false", "0", 0, "f", "off", null, undefined, ""]);

/**
 * One submission's body, checked as Judge0's model checks it (Rails' messages), plus Kiln's own caps
 * (the code and stdin sizes of `/v1/run`, at most 64 arguments). Unknown keys are ignored, as Rails'
 * `permit` does. With `base64`, `source_code`, `stdin` and `expected_output` are decoded first.
 */
export function parseSubmission(
  body: unknown,
  options: { base64: boolean; config: Config; runner: SubmissionRunner; tenant: Tenant },
): { request: SubmissionRequest } | { errors: SubmissionErrors } {
  const { config, runner, tenant } = options;
  const errors: SubmissionErrors = {};
  const add = (field: string, message: string) => (errors[field] ??= []).push(message);
  const raw = (typeof body === "object" && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;

  const textField = (name: string, decode: boolean): string | null => {
    const value = text(raw[name]);
    if (value === undefined) {
      add(name, "is invalid");
      return null;
    }
    if (value === null || !decode || !options.base64) return value;
    const decoded = decodeBase64Text(value);
    if (decoded === undefined) {
      add(name, "is not valid Base64 of UTF-8 text (base64_encoded=true)");
      return null;
    }
    return decoded;
  };
  const source_code = textField("source_code", true);
  const stdin = textField("stdin", true);
  const expected_output = textField("expected_output", true);
  const compiler_options = textField("compiler_options", false);
  const command_line_arguments = textField("command_line_arguments", false);
  const callback_url = textField("callback_url", false);

  if (errors.source_code) {
    // Already refused (not text, or not Base64).
  } else if (blank(source_code)) add("source_code", "can't be blank");
  else if (new TextEncoder().encode(source_code!).length > config.maxCodeBytes) add("source_code", `is too long (maximum is ${config.maxCodeBytes} bytes)`);
  if (stdin !== null && new TextEncoder().encode(stdin).length > MAX_STDIN_BYTES) add("stdin", `is too long (maximum is ${MAX_STDIN_BYTES} bytes)`);

  let language_id = NaN;
  const rawLanguage = raw.language_id;
  if (blank(rawLanguage)) add("language_id", "can't be blank");
  else {
    language_id = typeof rawLanguage === "number" ? rawLanguage : typeof rawLanguage === "string" && /^\s*-?\d+\s*$/.test(rawLanguage) ? Number(rawLanguage) : NaN;
    if (!Number.isInteger(language_id) || !runner.language(language_id)) add("language_id", `language with id ${String(rawLanguage)} doesn't exist`);
  }

  const limits = {} as Record<keyof ReturnType<typeof bounds>, number>;
  for (const [name, b] of Object.entries(bounds(config)) as [keyof ReturnType<typeof bounds>, ReturnType<typeof bounds>[keyof ReturnType<typeof bounds>]][]) {
    const value = raw[name];
    if (blank(value)) {
      limits[name] = b.fallback;
      continue;
    }
    const n = typeof value === "number" ? value : typeof value === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
    limits[name] = b.fallback;
    if (!Number.isFinite(n)) add(name, "is not a number");
    else if (!b.float && !Number.isInteger(n)) add(name, "must be an integer");
    else if ("above" in b && n <= b.above) add(name, `must be greater than ${b.above}`);
    else if (n < b.min) add(name, `must be greater than or equal to ${shown(b.min, b.float)}`);
    else if (n > b.max) add(name, `must be less than or equal to ${shown(b.max, b.float)}`);
    else limits[name] = n;
  }

  const flag = (name: string, fallback: boolean): boolean => {
    const value = raw[name];
    if (BOOLEAN_TRUE.has(value as never)) return true;
    if (BOOLEAN_FALSE.has(value as never)) return fallback;
    add(name, "is not included in the list");
    return fallback;
  };
  const enable_per_process_and_thread_time_limit = flag("enable_per_process_and_thread_time_limit", false);
  const enable_per_process_and_thread_memory_limit = flag("enable_per_process_and_thread_memory_limit", false);
  const redirect_stderr_to_stdout = flag("redirect_stderr_to_stdout", false);
  const enable_network = flag("enable_network", false);

  for (const [name, value] of [["compiler_options", compiler_options], ["command_line_arguments", command_line_arguments]] as const) {
    if (value !== null && value.length > 512) add(name, "is too long (maximum is 512 characters)");
  }
  // Kiln's languages are all interpreted: Judge0's answer for options to a language without a compile step.
  if (!blank(compiler_options)) add("compiler_options", "setting compiler options is only allowed for compiled languages");
  if (commandLineArgs(command_line_arguments).length > MAX_ARGS) add("command_line_arguments", `is too long (at most ${MAX_ARGS} arguments)`);
  if (!blank(raw.additional_files)) add("additional_files", "setting additional files is not allowed");
  if (enable_network) add("enable_network", "enabling network is not allowed");
  if (!blank(callback_url)) {
    const refusal = callbackRefusal(callback_url!, { config, tenant, transport: runner.transport });
    if (refusal) add("callback_url", refusal);
  }

  if (Object.keys(errors).length) return { errors };
  return {
    request: {
      language_id,
      source_code: source_code!,
      stdin,
      expected_output,
      command_line_arguments,
      compiler_options,
      ...limits,
      enable_per_process_and_thread_time_limit,
      enable_per_process_and_thread_memory_limit,
      redirect_stderr_to_stdout,
      enable_network,
      callback_url: blank(callback_url) ? null : callback_url,
    },
  };
}
