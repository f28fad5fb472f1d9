/**
 * Runs: how a request, a deployed script or a deploy check becomes a job, and what happens around the
 * engine. The engines are the real ones (QuickJS in this process, and the component engine's Lua);
 * a recorder in front of them keeps each job they were given.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import type { Engine, RunJob, RunOptions, RunOutcome } from "../../src/engine/engine.ts";
import { ComponentEngine } from "../../src/engine/component/component-engine.ts";
import { RequestError } from "../../src/errors.ts";
import { LanguageRegistry } from "../../src/platform/language-registry.ts";
import { createPlatform } from "../../src/platform/create-platform.ts";
import type { LogEvent } from "../../src/platform/log-bus.ts";
import { MemoryPlatformStore } from "../../src/platform/memory-platform-store.ts";
import type { Tenant } from "../../src/platform/platform-store.ts";
import { Runs } from "../../src/platform/runs.ts";
import { componentRuntimesPrepared, coreEngine } from "../helpers/fixtures.ts";

/** A real engine, with every job it is given kept in `jobs`. */
class Recorded implements Engine {
  readonly jobs: RunJob[] = [];
  constructor(readonly engine: Engine) {}
  get name() {
    return this.engine.name;
  }
  get languages() {
    return this.engine.languages;
  }
  run(job: RunJob, options?: RunOptions): Promise<RunOutcome> {
    this.jobs.push(job);
    return this.engine.run(job, options);
  }
  dispose() {
    this.engine.dispose();
  }
  [Symbol.dispose]() {
    this.dispose();
  }
}

let quickjs: Recorded;
let components: Recorded;
beforeAll(async () => {
  quickjs = new Recorded(await coreEngine());
  components = new Recorded(new ComponentEngine((await componentRuntimesPrepared()).filter((r) => r.language.name === "lua")));
});
afterAll(() => {
  quickjs.dispose();
  components.dispose();
});

async function setUp(env: Record<string, string> = {}) {
  quickjs.jobs.length = 0;
  components.jobs.length = 0;
  const config = loadConfig(env);
  const platform = await createPlatform({ config, store: new MemoryPlatformStore() });
  const tenant: Tenant = { id: "t1", name: "t1", grants: { httpAllow: [], kvMaxKeys: 100 }, createdAt: 0 };
  await platform.store.createTenant(tenant);
  const runs = new Runs({ config, platform, languages: new LanguageRegistry([quickjs, components]) });
  const events: LogEvent[] = [];
  await platform.logs.subscribe(tenant.id, (e) => events.push(e));
  return { config, platform, tenant, runs, events };
}

const code = { language: "JS", code: `import { log } from "kiln";\nexport default (input) => { console.log("out"); log.write("info", "hi"); return input.length }`, grants: {}, inputJson: "[1]" };
const refusal = (e: unknown) => (e instanceof RequestError ? e.code : e);

describe("Runs", () => {
  it("makes an ad-hoc job in the canonical language, with the server's limits, for the tenant, and publishes its output", async () => {
    const { config, tenant, runs, events } = await setUp();
    const outcome = await runs.run(tenant, { ...code, type: "module" });
    expect(outcome).toMatchObject({ ok: true, result: 1 });
    expect(quickjs.jobs).toEqual([
      expect.objectContaining({ language: "javascript", inputJson: "[1]", sourceType: "module", owner: "t1", limits: expect.objectContaining({ fuel: config.defaults.fuel }) }),
    ]);
    expect(events.map((e) => [e.stream, e.message, e.script])).toEqual([["log", "hi", null], ["stdout", "out\n", null], ["run", undefined, null]]);
    expect(events[2]).toMatchObject({ language: "javascript", outcome: "ok", usage: outcome.usage, runId: events[0]!.runId });
  });

  it("refuses a type the language takes none of, and an unknown language, before anything runs", async () => {
    const { tenant, runs } = await setUp();
    expect(refusal(await runs.run(tenant, { ...code, language: "lua", type: "module" }).catch((e) => e))).toBe("invalid_request");
    expect(refusal(await runs.run(tenant, { ...code, language: "cobol" }).catch((e) => e))).toBe("unsupported_language");
    expect([...quickjs.jobs, ...components.jobs]).toEqual([]);
  });

  it("refuses a component run: not_found for an unknown id, not_supported where no engine runs components", async () => {
    const { platform, tenant, runs } = await setUp();
    const component = { component: "a".repeat(64), grants: {}, inputJson: "null" };
    expect(refusal(await runs.run(tenant, component).catch((e) => e))).toBe("not_found");
    await platform.store.putComponent(tenant.id, { id: component.component, imports: [], exports: [], size: 1, createdAt: 0 }, new Uint8Array(1));
    expect(refusal(await runs.run(tenant, component).catch((e) => e))).toBe("not_supported");
  });

  it("checks a deploy with the top level only and every host call but log refused, and returns what to store", async () => {
    const { tenant, runs } = await setUp();
    // The top level calls kv: refused during the check, which the script may catch; `main` is never called.
    const source = `local ok, err = pcall(kiln.kv.get, "a")\nkiln.log.write("info", tostring(err))\nfunction main() error("main ran") end`;
    const spec = await runs.checkDeploy(tenant, { language: "lua5.4", code: source, grants: {} });
    expect(spec).toEqual({ language: "lua", code: source, grants: {}, limits: undefined });
    expect(components.jobs[0]).toMatchObject({ language: "lua", evaluateOnly: true, inputJson: "null", host: { deployCheck: true } });
    const e = await runs.checkDeploy(tenant, { language: "js", code: "(", grants: {} }).catch((x) => x);
    expect(refusal(e)).toBe("invalid_script");
    expect(e.message).toMatch(/^The script does not load: syntax_error: SyntaxError/);
  });

  it("counts no deploy against the run rate, nor a run the script's own limit refused against the tenant's", async () => {
    const { platform, tenant, runs } = await setUp({ KILN_RATE_TENANT_PER_MINUTE: "3", KILN_RATE_SCRIPT_PER_MINUTE: "1" });
    for (let i = 0; i < 5; i++) await runs.checkDeploy(tenant, { language: "js", code: "export default () => 1", grants: {} });
    const script = await platform.store.deployScript(tenant.id, "s", { language: "javascript", code: "export default () => 1", grants: {} });
    expect(await runs.invoke(tenant, script, "null")).toMatchObject({ ok: true });
    for (let i = 0; i < 3; i++) expect(refusal(await runs.invoke(tenant, script, "null").catch((e) => e))).toBe("rate_limited");
    expect(await runs.run(tenant, code)).toMatchObject({ ok: true });
    expect(await runs.run(tenant, code)).toMatchObject({ ok: true });
    const over = await runs.run(tenant, code).catch((e) => e);
    expect(refusal(over)).toBe("rate_limited");
    expect(over.message).toBe("More than 3 runs per minute");
  });

  it("invokes a deployed script under its name and version, and quarantines it after repeated traps", async () => {
    const { platform, tenant, runs, events } = await setUp({ KILN_QUARANTINE_THRESHOLD: "2" });
    const script = await platform.store.deployScript(tenant.id, "s", { language: "javascript", code: `export default () => { console.error("err"); for (;;) {} }`, grants: {}, limits: { fuel: 100 } });
    expect(await runs.invoke(tenant, script, "null")).toMatchObject({ ok: false, error: { code: "fuel_exhausted" } });
    expect(await runs.invoke(tenant, script, "null")).toMatchObject({ ok: false, error: { code: "fuel_exhausted" } });
    expect(refusal(await runs.invoke(tenant, script, "null").catch((e) => e))).toBe("quarantined");
    expect(quickjs.jobs).toHaveLength(2);
    // Each run's output, then its run event with the outcome; the refused third run is no run.
    expect(events.map((e) => [e.stream, e.script, e.version, e.stream === "run" ? e.outcome : null])).toEqual([
      ["stderr", "s", 1, null],
      ["run", "s", 1, "fuel_exhausted"],
      ["stderr", "s", 1, null],
      ["run", "s", 1, "fuel_exhausted"],
    ]);
  });
});
