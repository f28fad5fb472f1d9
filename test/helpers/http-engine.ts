import type { Engine, RunJob, RunOutcome } from "../../src/engine/engine.ts";

/** A job's grants as a request asks for them (secrets by name). */
function requestedGrants(job: RunJob) {
  const { kv, http, secrets } = job.host.grants;
  return { ...(kv ? { kv } : {}), ...(http ? { http } : {}), secrets: Object.keys(secrets) };
}

/**
 * An `Engine` that runs jobs on a Kiln server over HTTP, so the conformance suite can target any deployment.
 * A caller's component is uploaded (`POST /v1/components`) before its first run, then run by id.
 */
export function httpEngine(baseUrl: string, token: string): Engine {
  const uploaded = new Map<string, Promise<void>>();
  const upload = async ({ id, bytes }: NonNullable<RunJob["component"]>) => {
    const res = await fetch(`${baseUrl}/v1/components`, { method: "POST", headers: { "content-type": "application/wasm", authorization: `Bearer ${token}` }, body: new Blob([new Uint8Array(bytes)]) });
    const body = (await res.json()) as { id?: string };
    if (![200, 201].includes(res.status) || body.id !== id) throw new Error(`upload: HTTP ${res.status}: ${JSON.stringify(body)}`);
  };
  return {
    name: `http ${baseUrl}`,
    languages: [],
    async run(job: RunJob): Promise<RunOutcome> {
      const { fuel, memoryMb, timeoutMs } = job.limits;
      if (job.component) {
        const { id } = job.component;
        if (!uploaded.has(id)) uploaded.set(id, upload(job.component));
        await uploaded.get(id);
      }
      const what = job.component ? { component: job.component.id } : { language: job.language, code: job.code };
      const res = await fetch(`${baseUrl}/v1/run`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ ...what, input: JSON.parse(job.inputJson), limits: { fuel, memoryMb, timeoutMs }, grants: requestedGrants(job) }),
      });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      return (await res.json()) as RunOutcome;
    },
    dispose() {},
    [Symbol.dispose]() {},
  };
}
