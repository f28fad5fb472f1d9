import { callerComponents } from "../../languages/index.ts";
import type { Config } from "../config.ts";
import { DEPLOY_CHECK_REFUSAL } from "../capabilities/run-host.ts";
import type { MissingSecrets, RequestedGrants } from "../capabilities/grants.ts";
import type { Engine, LanguageInfo, RunJob, RunOutcome, SourceType } from "../engine/engine.ts";
import { RequestError } from "../errors.ts";
import type { LanguageRegistry } from "./language-registry.ts";
import { resolveLimits, type RequestedLimits } from "../limits/run-limits.ts";
import { isSafeFileName, type RunInputs } from "../limits/run-inputs.ts";
import type { LogEvent } from "./log-bus.ts";
import type { Platform } from "./platform.ts";
import type { ScriptSpec, ScriptVersion, Tenant } from "./platform-store.ts";
import { tenantRunGrants } from "./tenant-run-grants.ts";

/** An ad-hoc run of code (`POST /v1/run {language, code, input, stdin?, args?, files?, …}`), validated. */
export interface CodeRun extends ScriptSpec {
  inputJson: string;
  /** Run it as a program, top to bottom, never calling an entry point it defines (Piston's and Judge0's programs call their own `main`). */
  asProgram?: boolean;
}

/** An ad-hoc run of a caller's stored component (`POST /v1/run {component, input, stdin?, args?, …}`), validated. */
export interface ComponentRun extends Pick<RunInputs, "stdin" | "args"> {
  component: string;
  inputJson: string;
  limits?: RequestedLimits;
  grants: RequestedGrants;
}

/**
 * Running guest code for a tenant, the one place a `RunJob` is made: an ad-hoc run (code or a caller's
 * component), a deployed script's invocation, and the check before a deploy. Each job gets the
 * tenant's grants and the server's limits, its engine from the language registry, and runs through
 * the guard (rate limits and quarantine); afterwards its log entries and console output go to the
 * tenant's log stream and its traps count toward quarantine.
 */
export class Runs {
  readonly #config: Config;
  readonly #languages: LanguageRegistry;
  readonly #platform: Platform;

  constructor(deps: { config: Config; languages: LanguageRegistry; platform: Platform }) {
    this.#config = deps.config;
    this.#languages = deps.languages;
    this.#platform = deps.platform;
  }

  /** An ad-hoc run: code in a language, or a component the tenant uploaded. */
  async run(tenant: Tenant, request: CodeRun | ComponentRun): Promise<RunOutcome> {
    const config = this.#config;
    const platform = this.#platform;
    // The grants before the language, where a script's job resolves its language first: which of two
    // mistakes a caller hears about is part of the API, so each keeps its order.
    const host = await tenantRunGrants(request.grants, { config, platform, tenant });
    const limits = resolveLimits(request.limits, config);
    if ("component" in request) {
      const found = await platform.store.getComponent(tenant.id, request.component);
      if (!found) throw new RequestError("not_found", `No component with id '${request.component}'; upload it with POST /v1/components`);
      const name = callerComponents?.language.name;
      if (!name || !this.#languages.has(name)) throw new RequestError("not_supported", "This deployment cannot run components (the Node server can)");
      const { engine } = this.#languages.resolve(name);
      const { stdin, args } = request;
      const job = { language: name, code: "", component: { id: request.component, bytes: found.bytes }, inputJson: request.inputJson, limits, host, ...(stdin !== undefined && { stdin }), ...(args !== undefined && { args }) };
      return this.#runFor(tenant, engine, job);
    }
    const { info, engine } = this.#languages.resolve(request.language);
    const job = codeJob(info, request, request.inputJson, limits, host);
    return this.#runFor(tenant, engine, request.asProgram ? { ...job, asProgram: true } : job);
  }

  /** An invocation of a deployed script's version (read once by the caller: a deploy mid-run does not touch it). */
  async invoke(tenant: Tenant, script: ScriptVersion, inputJson: string): Promise<RunOutcome> {
    const { engine, job } = await this.#scriptJob(script, tenant, inputJson, "absent");
    return this.#runFor(tenant, engine, job, { name: script.name, version: script.version });
  }

  /**
   * The check before a deploy: the code must parse and its top level run cleanly, or it is refused
   * (`invalid_script`). The check never calls the entry point, and it has no effect: every host call
   * but log.write is refused, and a top level that stops at such a refusal has run as far as it can
   * be checked. A deploy is not a run: it does not count against the run rate limits. Returns what to
   * store, its language by its canonical name.
   */
  async checkDeploy(tenant: Tenant, spec: ScriptSpec): Promise<ScriptSpec> {
    const { engine, job } = await this.#scriptJob(spec, tenant, "null", "refuse");
    const check = await engine.run({ ...job, host: { ...job.host, deployCheck: true }, evaluateOnly: true });
    if (!check.ok && !(check.error.code === "guest_error" && check.error.message.includes(DEPLOY_CHECK_REFUSAL))) {
      throw new RequestError("invalid_script", `The script does not load: ${check.error.code}: ${check.error.message}`);
    }
    return { language: job.language, code: spec.code, grants: spec.grants, limits: spec.limits, ...(spec.type && { type: spec.type }), ...runInputsOf(spec) };
  }

  /**
   * The job for a script's code, its language resolved first, with grants capped by the tenant as it
   * is now. A deploy refuses a secret that exists nowhere; an invocation keeps the grant of one
   * deleted since (`secrets.get` answers null).
   */
  async #scriptJob(spec: ScriptSpec, tenant: Tenant, inputJson: string, missingSecrets: MissingSecrets): Promise<{ engine: Engine; job: RunJob }> {
    const config = this.#config;
    const platform = this.#platform;
    const { info, engine } = this.#languages.resolve(spec.language);
    const host = await tenantRunGrants(spec.grants, { config, platform, tenant, missingSecrets });
    return { engine, job: codeJob(info, spec, inputJson, resolveLimits(spec.limits, config), host) };
  }

  /**
   * Runs a job for a tenant: admitted by quarantine and the rate limits first (a refusal counts against
   * nothing further), and afterwards its log entries and console output, then a `run` event with its
   * outcome and usage, go to the tenant's log stream, and its traps count toward quarantine.
   */
  async #runFor(tenant: Tenant, engine: Engine, job: RunJob, script?: { name: string; version: number }): Promise<RunOutcome> {
    const { guard, logs } = this.#platform;
    const tenantId = tenant.id;
    const codeKey = script ? undefined : await adHocCodeKey(job);
    if (codeKey) await guard.admitCode(tenantId, codeKey);
    await guard.admit(tenantId, script?.name, tenant.quotas?.runsPerMinute);
    const outcome = await engine.run({ ...job, owner: tenantId });
    if (script) await guard.record(tenantId, script.name, outcome.ok ? undefined : outcome.error.code);
    if (codeKey && stoppedByWatchdog(outcome)) await guard.recordStopped(tenantId, codeKey);
    const runId = crypto.randomUUID();
    const base = { at: new Date().toISOString(), runId, script: script?.name ?? null, version: script?.version ?? null };
    const events: LogEvent[] = [
      ...outcome.logs.map((l) => ({ ...base, stream: "log" as const, level: l.level, message: l.message })),
      ...(outcome.stdout ? [{ ...base, stream: "stdout" as const, message: outcome.stdout }] : []),
      ...(outcome.stderr ? [{ ...base, stream: "stderr" as const, message: outcome.stderr }] : []),
      {
        ...base,
        stream: "run",
        language: job.language,
        outcome: outcome.ok ? "ok" : outcome.error.code,
        ...(!outcome.ok && { message: outcome.error.message }),
        usage: outcome.usage,
      },
    ];
    await logs.publish(tenantId, events);
    return outcome;
  }
}

/** The job for code in a resolved language, with its stdin, arguments and files. */
function codeJob(info: LanguageInfo, spec: Pick<ScriptSpec, "code" | "type"> & RunInputs, inputJson: string, limits: RunJob["limits"], host: RunJob["host"]): RunJob {
  return { language: info.name, code: spec.code, inputJson, limits, host, ...sourceTypeFor(spec.type, info), ...runInputsOf(spec) };
}

/**
 * The stdin, arguments and files a spec gives, only those it has. The request schema checked them;
 * file names are checked again here, before they reach an engine: a name that could leave the run's
 * files (absolute, `..`, empty segments) or that repeats another is refused.
 */
function runInputsOf(spec: RunInputs): RunInputs {
  const names = new Set<string>();
  for (const file of spec.files ?? []) {
    if (!isSafeFileName(file.name)) throw new RequestError("invalid_request", `'files': '${file.name}' is not a relative path inside the run's files`);
    if (names.has(file.name)) throw new RequestError("invalid_request", `'files': '${file.name}' is named twice`);
    names.add(file.name);
  }
  return {
    ...(spec.stdin !== undefined && { stdin: spec.stdin }),
    ...(spec.args?.length ? { args: [...spec.args] } : {}),
    ...(spec.files?.length ? { files: spec.files.map((f) => ({ name: f.name, content: f.content })) } : {}),
  };
}

/** A request's `type` for the language it names: refused where the language takes none. */
function sourceTypeFor(type: SourceType | undefined, info: LanguageInfo): { sourceType?: SourceType } {
  if (type === undefined) return {};
  if (!info.sourceTypes?.includes(type)) throw new RequestError("invalid_request", `'type' does not apply to ${info.name}`);
  return { sourceType: type };
}

/** Names ad-hoc code for quarantine: a hash of its language, code (its files too) and component. */
async function adHocCodeKey(job: RunJob): Promise<string> {
  const files = job.files?.map((f) => [f.name, f.content]) ?? [];
  const text = JSON.stringify([job.language, job.code, job.component?.id ?? null, ...(files.length ? [files] : [])]);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest.subarray(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A timeout whose counts were lost: the engine had to stop the sandbox (Usage: null fuel means a watchdog kill). */
function stoppedByWatchdog(outcome: RunOutcome): boolean {
  return !outcome.ok && outcome.error.code === "timeout" && outcome.usage.fuel === null;
}
