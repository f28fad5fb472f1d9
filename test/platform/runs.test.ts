/** Runs: how a request, a deployed script or a deploy check becomes a job, and what happens around the engine. */
import { describe, expect, it } from "vitest";
import { DEPLOY_CHECK_REFUSAL } from "../../src/capabilities/run-host.ts";
import { loadConfig } from "../../src/config.ts";
import type { Engine, LanguageInfo, RunJob, RunOutcome } from "../../src/engine/engine.ts";
import { RequestError } from "../../src/errors.ts";
import { LanguageRegistry } from "../../src/languages/language-registry.ts";
import { createPlatform } from "../../src/platform/create-platform.ts";
import type { LogEvent } from "../../src/platform/log-bus.ts";
import { MemoryPlatformStore } from "../../src/platform/memory-platform-store.ts";
import type { Tenant } from "../../src/platform/platform-store.ts";
import { Runs } from "../../src/platform/runs.ts";

const LANGUAGES: LanguageInfo[] = [
  { name: "javascript", version: "1", aliases: ["js"], engine: "fake", sourceTypes: ["module", "script"] },
  { name: "lua", version: "1", aliases: [], engine: "fake" },
];

/** An engine that records each job and answers what `answer` says. */
class FakeEngine implements Engine {
  readonly name = "fake";
  readonly languages = LANGUAGES;
  readonly jobs: RunJob[] = [];
  answer: (job: RunJob) => Partial<RunOutcome> = () => ({});
  async run(job: RunJob): Promise<RunOutcome> {
    this.jobs.push(job);
    return { ok: true, result: null, stdout: "", stderr: "", logs: [], usage: { fuel: 1, memoryBytes: 1, wallMs: 1 }, ...this.answer(job) } as RunOutcome;
  }
  dispose() {}
  [Symbol.dispose]() {}
}

async function setUp(env: Record<string, string> = {}) {
  const config = loadConfig(env);
  const platform = await createPlatform({ config, store: new MemoryPlatformStore() });
  const tenant: Tenant = { id: "t1", name: "t1", grants: { httpAllow: [], kvMaxKeys: 100 }, createdAt: 0 };
  await platform.store.createTenant(tenant);
  const engine = new FakeEngine();
  const runs = new Runs({ config, platform, languages: new LanguageRegistry([engine]) });
  const events: LogEvent[] = [];
  await platform.logs.subscribe(tenant.id, (e) => events.push(e));
  return { config, platform, tenant, engine, runs, events };
}

const code = { language: "JS", code: "export default () => 1", grants: {}, inputJson: "[1]" };
const refusal = (e: unknown) => (e instanceof RequestError ? e.code : e);

describe("Runs", () => {
  it("makes an ad-hoc job in the canonical language, with the server's limits, for the tenant, and publishes its output", async () => {
    const { config, tenant, engine, runs, events } = await setUp();
    engine.answer = () => ({ stdout: "out", logs: [{ level: "info", message: "hi" }] });
    const outcome = await runs.run(tenant, { ...code, type: "module" });
    expect(outcome.ok).toBe(true);
    expect(engine.jobs).toEqual([
      expect.objectContaining({ language: "javascript", code: code.code, inputJson: "[1]", sourceType: "module", owner: "t1", limits: expect.objectContaining({ fuel: config.defaults.fuel }) }),
    ]);
    expect(events.map((e) => [e.stream, e.message, e.script])).toEqual([["log", "hi", null], ["stdout", "out", null]]);
  });

  it("refuses a type the language takes none of, and an unknown language, before anything runs", async () => {
    const { tenant, engine, runs } = await setUp();
    expect(refusal(await runs.run(tenant, { ...code, language: "lua", type: "module" }).catch((e) => e))).toBe("invalid_request");
    expect(refusal(await runs.run(tenant, { ...code, language: "cobol" }).catch((e) => e))).toBe("unsupported_language");
    expect(engine.jobs).toEqual([]);
  });

  it("refuses a component run: not_found for an unknown id, not_supported where no engine runs components", async () => {
    const { platform, tenant, runs } = await setUp();
    const component = { component: "a".repeat(64), grants: {}, inputJson: "null" };
    expect(refusal(await runs.run(tenant, component).catch((e) => e))).toBe("not_found");
    await platform.store.putComponent(tenant.id, { id: component.component, imports: [], exports: [], size: 1, createdAt: 0 }, new Uint8Array(1));
    expect(refusal(await runs.run(tenant, component).catch((e) => e))).toBe("not_supported");
  });

  it("checks a deploy with the top level only and every host call but log refused, and returns what to store", async () => {
    const { tenant, engine, runs } = await setUp();
    engine.answer = () => ({ ok: false, error: { code: "guest_error", message: `kv.get ${DEPLOY_CHECK_REFUSAL}` } });
    const spec = await runs.checkDeploy(tenant, { language: "js", code: "x", grants: {}, type: "script" });
    expect(spec).toEqual({ language: "javascript", code: "x", grants: {}, limits: undefined, type: "script" });
    expect(engine.jobs[0]).toMatchObject({ evaluateOnly: true, inputJson: "null", sourceType: "script", host: { deployCheck: true } });
    engine.answer = () => ({ ok: false, error: { code: "guest_error", message: "SyntaxError" } });
    const e = await runs.checkDeploy(tenant, { language: "js", code: "(", grants: {} }).catch((x) => x);
    expect([refusal(e), e.message]).toEqual(["invalid_script", "The script does not load: guest_error: SyntaxError"]);
  });

  it("invokes a deployed script under its name and version, and quarantines it after repeated traps", async () => {
    const { platform, tenant, engine, runs, events } = await setUp({ KILN_QUARANTINE_THRESHOLD: "2" });
    const script = await platform.store.deployScript(tenant.id, "s", { language: "javascript", code: "x", grants: {} });
    engine.answer = () => ({ ok: false, error: { code: "fuel_exhausted", message: "out of fuel" }, stderr: "err" });
    await runs.invoke(tenant, script, "null");
    await runs.invoke(tenant, script, "null");
    expect(refusal(await runs.invoke(tenant, script, "null").catch((e) => e))).toBe("quarantined");
    expect(engine.jobs).toHaveLength(2);
    expect(events.map((e) => [e.stream, e.script, e.version])).toEqual([["stderr", "s", 1], ["stderr", "s", 1]]);
  });
});
