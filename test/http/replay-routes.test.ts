/**
 * Recording and replay through the real app on the Node worker pool, in every language with host
 * calls: a run reads kv, fetches from a local server, draws random numbers, reads the clock and prints;
 * then kv changes and the server stops, and the replay still gives the same result, stdout and fuel.
 * A redeploy whose code calls the host differently is reported as diverged at that call.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkerPoolEngine } from "../../src/adapters/node/worker-pool.ts";
import { loadConfig } from "../../src/config.ts";
import { appWith, workerPool } from "../helpers/fixtures.ts";
import { startUpstream } from "../helpers/upstream.ts";

const dir = mkdtempSync(join(tmpdir(), "kiln-replay-"));
const config = loadConfig({ KILN_HTTP_ALLOW_PRIVATE: "1", KILN_GRANTS: JSON.stringify({ http: { allow: ["*"] } }), KILN_MAX_TIMEOUT_MS: "60000", KILN_DEFAULT_TIMEOUT_MS: "60000" });
const ctx = {} as { pool: WorkerPoolEngine; h: Awaited<ReturnType<typeof appWith>> };
beforeAll(async () => {
  ctx.pool = await workerPool({ size: 2, kvPath: join(dir, "kv.sqlite") });
  ctx.h = await appWith(ctx.pool, config);
}, 120_000);
afterAll(async () => {
  await ctx.pool.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Per language: a handler that reads kv "k", fetches `input.url`, draws two random numbers, reads the
 * wall clock, prints all of it and answers it; and a changed version that reads kv "other" first.
 */
const PROGRAMS: Record<string, { code: string; changed: string }> = {
  javascript: {
    code: `import { kv, http } from "kiln";
export default async (input) => {
  const v = await kv.get("k");
  const r = await http.fetch(input.url);
  const out = [v, r.body, Math.random(), Math.random(), Date.now(), new Date().toISOString()];
  console.log(JSON.stringify(out));
  return out;
};`,
    changed: `import { kv } from "kiln";
export default async () => [await kv.get("other"), Math.random()];`,
  },
  typescript: {
    code: `import { kv, http } from "kiln";
export default async (input: { url: string }): Promise<unknown[]> => {
  const v: string | null = await kv.get("k");
  const r = await http.fetch(input.url);
  const out: unknown[] = [v, r.body, Math.random(), Math.random(), Date.now()];
  console.log(JSON.stringify(out));
  return out;
};`,
    changed: `import { kv } from "kiln";
export default async (): Promise<unknown> => [await kv.get("other")];`,
  },
  python: {
    code: `import kiln, random, time, json
def main(input):
    v = kiln.kv.get("k")
    r = kiln.http.fetch(input["url"])
    out = [v, r["body"], random.random(), random.randint(0, 10**9), time.time(), time.monotonic()]
    print(json.dumps(out))
    return out`,
    changed: `import kiln
def main(input):
    return [kiln.kv.get("other")]`,
  },
  lua: {
    code: `function main(input)
  local v = kiln.kv.get("k")
  local r = kiln.http.fetch(input.url)
  local out = { v, r.body, math.random(), math.random(1, 1000000000), os.time(), os.clock() }
  print(v, r.body, out[3], out[4], out[5], out[6])
  return out
end`,
    changed: `function main(input)
  return { kiln.kv.get("other") }
end`,
  },
  ruby: {
    code: `def main(input)
  v = Kiln::KV.get("k")
  r = Kiln::HTTP.fetch(input["url"])
  out = [v, r["body"], rand, rand(1_000_000_000), Time.now.to_f, Process.clock_gettime(Process::CLOCK_MONOTONIC)]
  puts out.inspect
  out
end`,
    changed: `def main(input)
  [Kiln::KV.get("other")]
end`,
  },
};

const grants = (host: string) => ({ kv: { namespace: "replay" }, http: { allow: [host] } });
const setKv = (value: string) =>
  ctx.h.post({ language: "javascript", code: `import { kv } from "kiln"; export default async () => kv.set("k", ${JSON.stringify(value)});`, grants: { kv: { namespace: "replay" } } });

describe.each(Object.keys(PROGRAMS))("%s", (language) => {
  const { code, changed } = PROGRAMS[language]!;

  it("replays an ad-hoc recorded run to the same result, stdout and fuel after kv changed and the server stopped", async () => {
    const upstream = await startUpstream({ slowMs: 0 });
    expect((await setKv("first")).body.ok).toBe(true);
    const url = `${upstream.origin}/text`;
    const recorded = await ctx.h.post({ language, code, input: { url }, grants: grants(upstream.host), record: true });
    upstream.close();
    expect(recorded.status).toBe(200);
    expect(recorded.body, JSON.stringify(recorded.body)).toMatchObject({ ok: true });
    expect(recorded.body.result.slice(0, 2)).toEqual(["first", "naïve ☃"]);
    expect(recorded.body.stdout).toContain("first");
    const { runId } = recorded.body;
    expect((await ctx.h.request(`/v1/runs/${runId}`)).body.recorded).toBe(true);
    expect((await setKv("second")).body.ok).toBe(true);

    const replay = await ctx.h.request(`/v1/runs/${runId}/replay`, { method: "POST", body: {} });
    expect(replay.status).toBe(200);
    expect(replay.body.replay, JSON.stringify(replay.body)).toEqual({ of: runId, identical: true, differences: [], warnings: [] });
    expect(replay.body.result).toEqual(recorded.body.result);
    expect(replay.body.stdout).toBe(recorded.body.stdout);
    expect(replay.body.usage.fuel).toBe(recorded.body.usage.fuel);
    expect(replay.body.runId).not.toBe(runId);
    // The live run now sees the new value and no server: the replay did not ask them.
    const live = await ctx.h.post({ language, code, input: { url }, grants: grants(upstream.host) });
    expect(live.body.ok).toBe(false);
  }, 120_000);

  it("reports where a redeployed script's code leaves the recorded host calls", async () => {
    const upstream = await startUpstream({ slowMs: 0 });
    const name = `replay-${language}`;
    const deploy = await ctx.h.request(`/v1/scripts/${name}`, { method: "PUT", body: { language, code, grants: grants(upstream.host), record: true } });
    expect(deploy.status, JSON.stringify(deploy.body)).toBe(201);
    const invoked = await ctx.h.request(`/v1/scripts/${name}/invoke`, { method: "POST", body: { url: `${upstream.origin}/text` } });
    upstream.close();
    expect(invoked.body, JSON.stringify(invoked.body)).toMatchObject({ ok: true });
    const { runId } = invoked.body;
    // The same version replays identically; then a new version asks kv for another key first.
    const same = await ctx.h.request(`/v1/runs/${runId}/replay`, { method: "POST" });
    expect(same.body.replay, JSON.stringify(same.body)).toMatchObject({ identical: true, differences: [] });
    expect((await ctx.h.request(`/v1/scripts/${name}`, { method: "PUT", body: { language, code: changed, grants: grants(upstream.host), record: true } })).status).toBe(201);
    const replay = await ctx.h.request(`/v1/runs/${runId}/replay`, { method: "POST" });
    expect(replay.status).toBe(200);
    expect(replay.body.replay.identical).toBe(false);
    expect(replay.body.replay.diverged).toEqual({ at: 0, expected: 'kv.get("k")', actual: 'kv.get("other")' });
  }, 120_000);
});

describe("component", () => {
  it("replays a caller's component from its recording, without writing to the live kv", async () => {
    const bytes = readFileSync(new URL("../fixtures/components/conformance.component.wasm", import.meta.url));
    const uploaded = await ctx.h.app.request("/v1/components", { method: "POST", headers: { authorization: `Bearer ${ctx.h.token}`, "content-type": "application/wasm" }, body: new Uint8Array(bytes) });
    expect(uploaded.status).toBe(201);
    const { id } = (await uploaded.json()) as { id: string };
    const kvGrant = { kv: { namespace: "replay-component" } };
    // Its "kv" case sets greeting to "hi", then reads it back.
    const recorded = await ctx.h.post({ component: id, input: "kv", grants: kvGrant, record: true });
    expect(recorded.body, JSON.stringify(recorded.body)).toMatchObject({ ok: true });
    const greeting = (value?: string) =>
      ctx.h.post({ language: "javascript", code: `import { kv } from "kiln"; export default async () => { ${value === undefined ? "" : `await kv.set("greeting", ${JSON.stringify(value)}); `}return kv.get("greeting") }`, grants: kvGrant });
    expect((await greeting("changed")).body.result).toBe("changed");

    const replay = await ctx.h.request(`/v1/runs/${recorded.body.runId}/replay`, { method: "POST" });
    expect(replay.body.replay, JSON.stringify(replay.body)).toEqual({ of: recorded.body.runId, identical: true, differences: [], warnings: [] });
    expect(replay.body.result).toEqual(recorded.body.result);
    expect(replay.body.usage.fuel).toBe(recorded.body.usage.fuel);
    // The set was answered from the recording: the live value is still the one written after the run.
    expect((await greeting()).body.result).toBe("changed");
  }, 120_000);
});

describe("refusals", () => {
  it("answers 409 not_recorded for a run that was not recorded, 404 for an unknown id and for another tenant's run", async () => {
    const plain = await ctx.h.post({ language: "javascript", code: "export default () => 1" });
    expect(plain.body.ok).toBe(true);
    const notRecorded = await ctx.h.request(`/v1/runs/${plain.body.runId}/replay`, { method: "POST" });
    expect(notRecorded).toMatchObject({ status: 409, body: { error: { code: "not_recorded" } } });
    const unknown = await ctx.h.request(`/v1/runs/00000000-0000-4000-8000-000000000000/replay`, { method: "POST" });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });

    const recorded = await ctx.h.post({ language: "javascript", code: "export default () => Math.random()", record: true });
    const other = await ctx.h.request("/v1/tenants", { method: "POST", as: ctx.h.adminToken, body: { name: "replay-other" } });
    expect(other.status).toBe(201);
    const foreign = await ctx.h.request(`/v1/runs/${recorded.body.runId}/replay`, { method: "POST", as: other.body.token });
    expect(foreign).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    // `code` replaces an ad-hoc run's code; a bad body is a 400; the owner still replays it.
    expect(await ctx.h.request(`/v1/runs/${recorded.body.runId}/replay`, { method: "POST", body: { code: 1 } })).toMatchObject({ status: 400 });
    const again = await ctx.h.request(`/v1/runs/${recorded.body.runId}/replay`, { method: "POST" });
    expect(again.body).toMatchObject({ ok: true, result: recorded.body.result, replay: { identical: true } });
  }, 60_000);
});
