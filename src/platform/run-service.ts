import type { Engine, RunJob, RunOutcome } from "../engine/engine.ts";
import type { LogEvent } from "./log-bus.ts";
import type { Platform } from "./platform.ts";

/**
 * Runs a job for a tenant: admitted by the rate limits and quarantine first, and afterwards its
 * log entries and console output go to the tenant's log stream and traps count toward quarantine.
 */
export async function runForTenant(
  engine: Engine,
  job: RunJob,
  options: { platform: Platform; tenantId: string; script?: { name: string; version: number } },
): Promise<RunOutcome> {
  const { platform, tenantId, script } = options;
  await platform.guard.admit(tenantId, script?.name);
  const codeKey = script ? undefined : await adHocCodeKey(job);
  if (codeKey) await platform.guard.admitCode(tenantId, codeKey);
  const outcome = await engine.run({ ...job, owner: tenantId });
  if (script) await platform.guard.record(tenantId, script.name, outcome.ok ? undefined : outcome.error.code);
  if (codeKey && stoppedByWatchdog(outcome)) await platform.guard.recordStopped(tenantId, codeKey);
  const runId = crypto.randomUUID();
  const base = { at: Date.now(), runId, script: script?.name ?? null, version: script?.version ?? null };
  const events: LogEvent[] = [
    ...outcome.logs.map((l) => ({ ...base, stream: "log" as const, level: l.level, message: l.message })),
    ...(outcome.stdout ? [{ ...base, stream: "stdout" as const, message: outcome.stdout }] : []),
    ...(outcome.stderr ? [{ ...base, stream: "stderr" as const, message: outcome.stderr }] : []),
  ];
  if (events.length) await platform.logs.publish(tenantId, events);
  return outcome;
}

/** Names ad-hoc code for quarantine: a hash of its language, code and component. */
async function adHocCodeKey(job: RunJob): Promise<string> {
  const text = JSON.stringify([job.language, job.code, job.component?.id ?? null]);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest.subarray(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A timeout whose counts were lost: the engine had to stop the sandbox (Usage: null fuel means a watchdog kill). */
function stoppedByWatchdog(outcome: RunOutcome): boolean {
  return !outcome.ok && outcome.error.code === "timeout" && outcome.usage.fuel === null;
}
