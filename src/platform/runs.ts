import { adHocCodeKey } from "./ad-hoc-code-key.ts";
import { newRunId } from "./run-id.ts";
import { callerComponents } from "../../languages/index.ts";
import type { Config } from "../config.ts";
import { DEPLOY_CHECK_REFUSAL } from "../capabilities/run-host.ts";
import type { MissingSecrets, RequestedGrants } from "../capabilities/grants.ts";
import type { Engine, LanguageInfo, RunJob, RunOptions, RunOutcome, SourceType } from "../engine/engine.ts";
import { RequestError } from "../errors.ts";
import type { LanguageRegistry } from "./language-registry.ts";
import { resolveLimits, type RequestedLimits } from "../limits/run-limits.ts";
import { isSafeFileName, type RunInputs } from "../limits/run-inputs.ts";
import type { LogEvent } from "./log-bus.ts";
import type { Metrics } from "./metrics.ts";
import type { Platform } from "./platform.ts";
import type { ScriptSpec, ScriptVersion, Tenant } from "./platform-store.ts";
import { tenantRunGrants } from "./tenant-run-grants.ts";
import { retentionFor, runRecord, type IdentifiedRunOutcome } from "./run-history.ts";
import { FuelQuota } from "./fuel-quota.ts";
import type { Tape } from "../capabilities/host-tape.ts";
import { recordingOf, type Recording, type RecordingSource } from "./recording.ts";
import { compareReplay, type ReplayReport } from "./replay.ts";

/** An ad-hoc run of code (`POST /v1/run {language, code, input, stdin?, args?, files?, …}`), validated. */
export interface CodeRun extends ScriptSpec {
  inputJson: string;
  /** Run it as a program, top to bottom, never calling an entry point it defines (Piston's and Judge0's programs call their own `main`). */
  asProgram?: boolean;
}

/** An ad-hoc run of a caller's stored component (`POST /v1/run {component, input, stdin?, args?, …}`), validated. */
export interface ComponentRun extends Pick<RunInputs, "stdin" | "args"> {
  component: string;
  /** Record the run for replay. */
  record?: boolean;
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
  readonly #metrics: Metrics | undefined;

  constructor(deps: { config: Config; languages: LanguageRegistry; platform: Platform; metrics?: Metrics }) {
    this.#config = deps.config;
    this.#languages = deps.languages;
    this.#platform = deps.platform;
    this.#metrics = deps.metrics;
  }

  /** An ad-hoc run: code in a language, or a component the tenant uploaded. */
  async run(tenant: Tenant, request: CodeRun | ComponentRun, origin: RunOrigin = {}): Promise<IdentifiedRunOutcome> {
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
      return this.#runFor(tenant, engine, job, request.record ? { ...origin, record: { grants: request.grants } } : origin);
    }
    const { info, engine } = this.#languages.resolve(request.language);
    const job = codeJob(info, request, request.inputJson, limits, host);
    return this.#runFor(tenant, engine, request.asProgram ? { ...job, asProgram: true } : job, request.record ? { ...origin, record: { grants: request.grants } } : origin);
  }

  /** An invocation of a deployed script's version (read once by the caller: a deploy mid-run does not touch it). */
  async invoke(tenant: Tenant, script: ScriptVersion, inputJson: string, origin: RunOrigin = {}): Promise<IdentifiedRunOutcome> {
    const { engine, job } = await this.#scriptJob(script, tenant, inputJson, "absent");
    return this.#runFor(tenant, engine, job, { ...origin, script: { name: script.name, version: script.version }, ...(script.record && { record: { grants: script.grants } }) });
  }

  /**
   * Runs a recorded run again with its seeds, clock readings and host answers from the recording
   * (src/platform/recording.ts), and compares the outcomes. A script's run replays the script's active
   * version (a redeploy since shows where the new code leaves the recorded calls); ad-hoc code replays
   * as recorded, or `code` in its place. A replay is a run: admitted and counted like any other.
   */
  async replay(tenant: Tenant, recording: Recording, options: { code?: string }, origin: RunOrigin = {}): Promise<IdentifiedRunOutcome & { replay: ReplayReport & { of: string } }> {
    const config = this.#config;
    const platform = this.#platform;
    // The recorded limits, under the server's maxima as they are now.
    const recorded = { inputJson: recording.inputJson, limits: resolveLimits(recording.limits, config), ...runInputsOf(recording), ...(recording.asProgram && { asProgram: true as const }) };
    const script = recording.script && (await platform.store.getActiveScript(tenant.id, recording.script.name));
    let engine: Engine;
    let job: RunJob;
    if (recording.component !== undefined) {
      const found = await platform.store.getComponent(tenant.id, recording.component);
      if (!found) throw new RequestError("not_found", `The recorded run's component '${recording.component}' is gone`);
      engine = this.#languages.resolve(recording.language).engine;
      const host = await tenantRunGrants(recording.grants, { config, platform, tenant, missingSecrets: "absent" });
      job = { language: recording.language, code: "", component: { id: recording.component, bytes: found.bytes }, ...recorded, host };
    } else {
      const spec = script ?? { language: recording.language, code: options.code ?? recording.code, grants: recording.grants, ...(recording.sourceType && { type: recording.sourceType }), ...(recording.files && { files: recording.files }) };
      const resolved = this.#languages.resolve(spec.language);
      engine = resolved.engine;
      const host = await tenantRunGrants(spec.grants, { config, platform, tenant, missingSecrets: "absent" });
      job = { ...recorded, ...codeJob(resolved.info, { ...spec, ...(options.code !== undefined && { code: options.code }) }, recording.inputJson, recorded.limits, host), ...(recording.stdin !== undefined && { stdin: recording.stdin }), ...(recording.args && { args: recording.args }) };
    }
    const outcome = await this.#runFor(tenant, engine, job, { ...origin, replay: recording.tape, ...(script && { script: { name: script.name, version: script.version } }) });
    const secretsAnswered = recording.tape.calls.filter((c) => c.secret).length;
    return { ...outcome, replay: { of: recording.runId, ...compareReplay(recording.outcome, outcome, { secretsAnswered }) } };
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
    return { language: job.language, code: spec.code, grants: spec.grants, limits: spec.limits, ...(spec.type && { type: spec.type }), ...runInputsOf(spec), ...(spec.record && { record: true }) };
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
  async #runFor(tenant: Tenant, engine: Engine, job: RunJob, origin: RunOrigin & { script?: { name: string; version: number } }): Promise<IdentifiedRunOutcome> {
    const { guard, logs } = this.#platform;
    const { script, requestId } = origin;
    const tenantId = tenant.id;
    // Ad-hoc code is named (a digest) only when the quarantine check or a watchdog stop needs its name.
    let named: Promise<string> | undefined;
    const codeKey = script ? undefined : () => (named ??= adHocCodeKey(job));
    if (codeKey) await guard.admitCode(tenantId, codeKey);
    const fuel = FuelQuota.of(guard);
    await fuel.admit(tenantId, tenant.quotas, job.limits.fuel);
    await guard.admit(tenantId, script?.name, tenant.quotas?.runsPerMinute);
    const runId = newRunId();
    const startedAt = Date.now();
    const ran = await engine.run({ ...job, owner: tenantId, ...(origin.record && { record: true }), ...(origin.replay && { replay: origin.replay }) }, origin.onOutput ? { onOutput: origin.onOutput } : undefined);
    // The tape goes to the recording, never into the response.
    const { recording: tape, ...outcome } = ran;
    // Its fuel is charged when it ends; a run the watchdog stopped lost its count and is charged its limit.
    await fuel.charge(tenantId, outcome.usage.fuel ?? job.limits.fuel);
    if (script) await guard.record(tenantId, script.name, outcome.ok ? undefined : outcome.error.code);
    if (codeKey && stoppedByWatchdog(outcome)) await guard.recordStopped(tenantId, await codeKey());
    const base = { at: new Date().toISOString(), runId, script: script?.name ?? null, version: script?.version ?? null, ...(requestId !== undefined && { requestId }) };
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
    this.#metrics?.runEnded({ language: job.language, outcome: outcome.ok ? "ok" : outcome.error.code, usage: outcome.usage });
    await logs.publish(tenantId, events);
    const retention = retentionFor(tenant, this.#config);
    const recorded = origin.record !== undefined && tape !== undefined && retention.maxRuns > 0;
    if (recorded) await this.#platform.store.putRecording(tenantId, recordingOf(job, { ...outcome, recording: tape }, { ...origin.record!, script, runId }), retention);
    if (retention.maxRuns > 0) await this.#platform.store.putRun(runRecord({ id: runId, tenantId, job, script, startedAt, outcome, recorded }), retention);
    return { ...outcome, runId };
  }
}

/** Where a run came from: the id of the HTTP request that asked for it, which its log events carry. */
export interface RunOrigin {
  requestId?: string;
  /** Where the run's output goes as it happens (a streamed response; see RunOptions.onOutput). */
  onOutput?: RunOptions["onOutput"];
  /** Record the run for replay (src/platform/recording.ts), with the grants as it asked for them. */
  record?: RecordingSource;
  /** Answer the run from this tape: a replay. */
  replay?: Tape;
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

/** A timeout whose counts were lost: the engine had to stop the sandbox (Usage: null fuel means a watchdog kill). */
function stoppedByWatchdog(outcome: RunOutcome): boolean {
  return !outcome.ok && outcome.error.code === "timeout" && outcome.usage.fuel === null;
}
