import type { Engine, RunJob, RunOutcome } from "../../src/engine/engine.ts";

/** A job's grants as a request asks for them (secrets by name). */
function requestedGrants(job: RunJob) {
  const { kv, http, secrets } = job.host.grants;
  return { ...(kv ? { kv } : {}), ...(http ? { http } : {}), secrets: Object.keys(secrets) };
}

/** An `Engine` that runs jobs on a Kiln server over HTTP, so the conformance suite can target any deployment. */
export function httpEngine(baseUrl: string, token: string): Engine {
  return {
    name: `http ${baseUrl}`,
    languages: [],
    async run(job: RunJob): Promise<RunOutcome> {
      const { fuel, memoryMb, timeoutMs } = job.limits;
      const res = await fetch(`${baseUrl}/v1/run`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ language: job.language, code: job.code, input: JSON.parse(job.inputJson), limits: { fuel, memoryMb, timeoutMs }, grants: requestedGrants(job) }),
      });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      return (await res.json()) as RunOutcome;
    },
    dispose() {},
    [Symbol.dispose]() {},
  };
}
