import type { HttpTransport } from "../capabilities/http-transport.ts";
import type { Config } from "../config.ts";
import { RequestError } from "../errors.ts";
import type { LanguageRegistry } from "./language-registry.ts";
import type { Platform } from "./platform.ts";
import type { Tenant } from "./platform-store.ts";
import type { Runs } from "./runs.ts";
import { sendCallback } from "./submission-callback.ts";
import { DEFAULT_FIELDS, serializeSubmission } from "./submission-fields.ts";
import { submissionLanguages, type SubmissionLanguage } from "./submission-languages.ts";
import { exhaustedResult, type Submission, type SubmissionRequest, type SubmissionResult } from "./submission-queue.ts";
import { submissionResult } from "./submission-status.ts";

/** Judge0's command line arguments as Kiln's `args`: the characters its runner strips (`$&;<>|` and backquote) removed, split at whitespace. */
export function commandLineArgs(text: string | null): string[] {
  return (text ?? "").replace(/[$&;<>|`]/g, "").trim().split(/\s+/).filter(Boolean);
}

/**
 * Runs submissions for their tenants through `Runs` (so the tenant's rate limit, quarantine and log
 * stream apply as on `/v1/run`), as plain scripts: stdin, arguments and limits mapped from Judge0's
 * fields, the outcome mapped to Judge0's statuses. Calls the callback afterwards.
 */
export class SubmissionRunner {
  readonly #config: Config;
  readonly #platform: Platform;
  readonly #runs: Runs;
  readonly #languages: LanguageRegistry;
  readonly #transport: HttpTransport | undefined;

  constructor(deps: { config: Config; platform: Platform; runs: Runs; languages: LanguageRegistry; transport?: HttpTransport }) {
    this.#config = deps.config;
    this.#platform = deps.platform;
    this.#runs = deps.runs;
    this.#languages = deps.languages;
    this.#transport = deps.transport;
  }

  get transport(): HttpTransport | undefined {
    return this.#transport;
  }

  /** The Judge0 languages this server serves. */
  languages(): SubmissionLanguage[] {
    return submissionLanguages(this.#languages);
  }

  language(id: number): SubmissionLanguage | undefined {
    return this.languages().find((l) => l.id === id);
  }

  /** Runs a submission for its tenant; a refusal (rate limit, overload) is thrown as the RequestError it is. */
  async run(tenant: Tenant, request: SubmissionRequest): Promise<SubmissionResult> {
    const language = this.language(request.language_id);
    if (!language) throw new RequestError("unsupported_language", `language with id ${request.language_id} doesn't exist`);
    const seconds = Math.min(request.cpu_time_limit, request.wall_time_limit);
    const args = commandLineArgs(request.command_line_arguments);
    const outcome = await this.#runs.run(tenant, {
      language: language.kiln,
      code: request.source_code,
      inputJson: "null",
      asProgram: true,
      grants: {},
      limits: { timeoutMs: Math.max(1, Math.round(seconds * 1000)), memoryMb: Math.max(1, Math.ceil(request.memory_limit / 1024)) },
      ...(request.stdin !== null && { stdin: request.stdin }),
      ...(args.length && { args }),
    });
    return submissionResult(outcome, request);
  }

  /**
   * Runs a claimed submission to its end, whatever happens: a refusal or a host failure becomes
   * Internal Error (13) with its message, and a submission out of attempts ends with 13 unrun. Then
   * its callback is called.
   */
  async finish(submission: Submission, attempt: { number: number; exhausted: boolean }): Promise<Submission> {
    const tenant = await this.#platform.store.getTenant(submission.tenantId);
    let result: SubmissionResult;
    if (attempt.exhausted) result = exhaustedResult(attempt.number - 1);
    else if (!tenant) result = { ...exhaustedResult(0), message: "The submission's tenant no longer exists" };
    else {
      try {
        result = await this.run(tenant, submission.request);
      } catch (e) {
        const message = e instanceof RequestError ? `${e.code}: ${e.message}` : "The run failed in the host; it has been logged";
        if (!(e instanceof RequestError)) console.error("submission run failed", e);
        result = { ...exhaustedResult(0), message };
      }
    }
    const finished: Submission = { ...submission, status_id: result.status_id, result, finished_at: new Date().toISOString(), started_at: submission.started_at ?? new Date().toISOString() };
    if (tenant && finished.request.callback_url) await this.callback(tenant, finished);
    return finished;
  }

  /** Calls a finished submission's `callback_url` with Judge0's default fields, Base64-encoded. */
  async callback(tenant: Tenant, finished: Submission): Promise<void> {
    const url = finished.request.callback_url;
    if (!url || !this.#transport) return;
    const body = serializeSubmission(finished, { fields: DEFAULT_FIELDS, base64: true, language: this.language(finished.request.language_id) });
    await sendCallback(url, body, { config: this.#config, tenant, transport: this.#transport });
  }
}
