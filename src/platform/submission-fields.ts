import { toBase64 } from "./base64.ts";
import type { SubmissionLanguage } from "./submission-languages.ts";
import type { Submission } from "./submission-queue.ts";
import { statusDescription } from "./submission-status.ts";

/** Every attribute Judge0's serializer has (its table's columns, `status` and `language`), in its order. */
export const SUBMISSION_FIELDS = [
  "source_code", "language_id", "stdin", "expected_output", "stdout", "status_id", "created_at", "finished_at", "time", "memory", "stderr",
  "token", "number_of_runs", "cpu_time_limit", "cpu_extra_time", "wall_time_limit", "memory_limit", "stack_limit", "max_processes_and_or_threads",
  "enable_per_process_and_thread_time_limit", "enable_per_process_and_thread_memory_limit", "max_file_size", "compile_output", "exit_code",
  "exit_signal", "message", "wall_time", "compiler_options", "command_line_arguments", "redirect_stderr_to_stdout", "callback_url",
  "additional_files", "enable_network", "started_at", "queued_at", "updated_at", "queue_host", "execution_host", "status", "language",
] as const;
export type SubmissionField = (typeof SUBMISSION_FIELDS)[number];

/** What Judge0 answers without `fields`. */
export const DEFAULT_FIELDS: readonly SubmissionField[] = ["token", "time", "memory", "stdout", "stderr", "compile_output", "message", "status"];

/** The text attributes `base64_encoded=true` encodes (message too, as Judge0's serializer does). */
const TEXT_FIELDS = new Set<SubmissionField>(["source_code", "stdin", "expected_output", "stdout", "stderr", "compile_output", "message"]);

/**
 * Judge0's `fields` parameter: a comma-separated list, `*` for all. Unknown names are returned to be
 * refused (`invalid fields: [a, b]`); none given means the default eight.
 */
export function parseFields(text: string | undefined): { fields: readonly SubmissionField[]; invalid: string[] } {
  const names = (text ?? "").split(",").filter((n) => n !== "");
  const invalid = names.filter((n) => n !== "*" && !(SUBMISSION_FIELDS as readonly string[]).includes(n));
  if (names.includes("*")) return { fields: SUBMISSION_FIELDS, invalid };
  const valid = names.filter((n): n is SubmissionField => (SUBMISSION_FIELDS as readonly string[]).includes(n));
  return { fields: valid.length ? [...new Set(valid)] : DEFAULT_FIELDS, invalid };
}

/** Ruby's `Base64.encode64`, which Judge0 uses: a newline after every 60 characters and at the end. */
export function encode64(text: string): string {
  const flat = toBase64(new TextEncoder().encode(text));
  return flat.replace(/.{1,60}/g, "$&\n");
}

/** A submission as Judge0 serialises it, with the requested fields only. */
export function serializeSubmission(
  submission: Submission,
  options: { fields: readonly SubmissionField[]; base64: boolean; language: SubmissionLanguage | undefined },
): Record<string, unknown> {
  const r = submission.request;
  const result = submission.result;
  const all: Record<SubmissionField, unknown> = {
    source_code: r.source_code,
    language_id: r.language_id,
    stdin: r.stdin,
    expected_output: r.expected_output,
    stdout: result?.stdout ?? null,
    status_id: submission.status_id,
    created_at: submission.created_at,
    finished_at: submission.finished_at,
    time: result?.time ?? null,
    memory: result?.memory ?? null,
    stderr: result?.stderr ?? null,
    token: submission.token,
    number_of_runs: r.number_of_runs,
    cpu_time_limit: r.cpu_time_limit.toFixed(1),
    cpu_extra_time: r.cpu_extra_time.toFixed(1),
    wall_time_limit: r.wall_time_limit.toFixed(1),
    memory_limit: r.memory_limit,
    stack_limit: r.stack_limit,
    max_processes_and_or_threads: r.max_processes_and_or_threads,
    enable_per_process_and_thread_time_limit: r.enable_per_process_and_thread_time_limit,
    enable_per_process_and_thread_memory_limit: r.enable_per_process_and_thread_memory_limit,
    max_file_size: r.max_file_size,
    compile_output: result?.compile_output ?? null,
    exit_code: result?.exit_code ?? null,
    exit_signal: result?.exit_signal ?? null,
    message: result?.message ?? null,
    wall_time: result?.wall_time ?? null,
    compiler_options: r.compiler_options,
    command_line_arguments: r.command_line_arguments,
    redirect_stderr_to_stdout: r.redirect_stderr_to_stdout,
    callback_url: r.callback_url,
    additional_files: null,
    enable_network: r.enable_network,
    started_at: submission.started_at,
    queued_at: submission.created_at,
    updated_at: submission.finished_at ?? submission.started_at ?? submission.created_at,
    queue_host: null,
    execution_host: null,
    status: { id: submission.status_id, description: statusDescription(submission.status_id) },
    language: options.language ? { id: options.language.id, name: options.language.name } : null,
  };
  const out: Record<string, unknown> = {};
  for (const field of options.fields) {
    const value = all[field];
    out[field] = options.base64 && TEXT_FIELDS.has(field) && typeof value === "string" ? encode64(value) : value;
  }
  return out;
}
