import { Hono } from "hono";
import { RequestError } from "../../errors.ts";
import { DEPLOY_CHECK_REFUSAL } from "../../capabilities/run-host.ts";
import { resolveLimits } from "../../limits/run-limits.ts";
import type { ScriptVersion, Tenant } from "../../platform/platform-store.ts";
import { runForTenant } from "../../platform/run-service.ts";
import { tenantRunGrants } from "../../platform/tenant-run-grants.ts";
import type { AppContext } from "../app-context.ts";
import { requireTenant, type KilnEnv } from "../authenticate.ts";
import { encodeInput, parseJsonObject, parseScriptFields, sourceTypeFor } from "../run-request.ts";

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

const describe = (v: ScriptVersion, withCode = false) => ({
  name: v.name,
  version: v.version,
  language: v.language,
  grants: v.grants,
  limits: v.limits ?? null,
  ...(v.type && { type: v.type }),
  createdAt: new Date(v.createdAt).toISOString(),
  ...(withCode ? { code: v.code } : {}),
});

/** Deployed scripts, per tenant: deploy (`deploy` scope), manage, roll back, and invoke (`run` scope). */
export function scriptRoutes(ctx: AppContext): Hono<KilnEnv> {
  const { config, languages, platform } = ctx;
  const { store } = platform;
  const app = new Hono<KilnEnv>();
  const name = (raw: string) => {
    if (!NAME.test(raw)) throw new RequestError("invalid_request", "A script name is 1-64 letters, digits, _ or -");
    return raw;
  };
  const notFound = (n: string) => new RequestError("not_found", `No script named '${n}'`);

  /**
   * The job for a stored version, with grants capped by the tenant as it is now. A deploy refuses a
   * secret that exists nowhere; an invocation keeps the grant of one deleted since (`secrets.get` answers null).
   */
  const jobFor = async (v: Pick<ScriptVersion, "language" | "code" | "grants" | "limits" | "type">, tenant: Tenant, inputJson: string, missingSecrets: "refuse" | "absent") => {
    const { info, engine } = languages.resolve(v.language);
    const host = await tenantRunGrants(v.grants, { config, platform, tenant, missingSecrets });
    return { engine, job: { language: info.name, code: v.code, inputJson, limits: resolveLimits(v.limits, config), host, ...sourceTypeFor(v.type, info) } };
  };

  app.put("/scripts/:name", async (c) => {
    const tenant = await requireTenant(c, platform, "deploy");
    const scriptName = name(c.req.param("name"));
    const spec = parseScriptFields(parseJsonObject(await c.req.text()), config);
    // A broken deploy is refused before it goes live: the code must parse and its top level run cleanly.
    // The check never calls the entry point, and it has no effect: every host call but log.write is
    // refused, and a top level that stops at such a refusal has run as far as it can be checked.
    // It runs guest code, so it counts against the tenant's run rate.
    await platform.guard.admit(tenant.id);
    const { engine, job } = await jobFor(spec, tenant, "null", "refuse");
    const check = await engine.run({ ...job, host: { ...job.host, deployCheck: true }, evaluateOnly: true });
    if (!check.ok && !(check.error.code === "guest_error" && check.error.message.includes(DEPLOY_CHECK_REFUSAL))) {
      throw new RequestError("invalid_script", `The script does not load: ${check.error.code}: ${check.error.message}`);
    }
    const version = await store.deployScript(tenant.id, scriptName, { language: job.language, code: spec.code, grants: spec.grants, limits: spec.limits, ...(spec.type && { type: spec.type }) });
    await platform.guard.clear(tenant.id, scriptName);
    return c.json(describe(version), 201);
  });

  app.get("/scripts", async (c) => {
    const tenant = await requireTenant(c, platform, "deploy");
    const scripts = await store.listScripts(tenant.id);
    return c.json({ scripts: scripts.map((s) => ({ ...s, updatedAt: new Date(s.updatedAt).toISOString() })) });
  });

  app.get("/scripts/:name", async (c) => {
    const tenant = await requireTenant(c, platform, "deploy");
    const active = await store.getActiveScript(tenant.id, name(c.req.param("name")));
    if (!active) throw notFound(c.req.param("name"));
    return c.json(describe(active, true));
  });

  app.get("/scripts/:name/versions", async (c) => {
    const tenant = await requireTenant(c, platform, "deploy");
    const versions = await store.listVersions(tenant.id, name(c.req.param("name")));
    if (!versions.length) throw notFound(c.req.param("name"));
    const active = (await store.getActiveScript(tenant.id, c.req.param("name")))?.version;
    return c.json({ active, versions: versions.map((v) => describe(v)) });
  });

  app.post("/scripts/:name/rollback", async (c) => {
    const tenant = await requireTenant(c, platform, "deploy");
    const scriptName = name(c.req.param("name"));
    const { version } = parseJsonObject(await c.req.text());
    if (typeof version !== "number" || !Number.isSafeInteger(version)) throw new RequestError("invalid_request", "'version' must be an integer");
    if (!(await store.activateVersion(tenant.id, scriptName, version))) throw new RequestError("not_found", `No version ${version} of '${scriptName}'`);
    await platform.guard.clear(tenant.id, scriptName);
    return c.json(describe((await store.getActiveScript(tenant.id, scriptName))!));
  });

  app.delete("/scripts/:name", async (c) => {
    const tenant = await requireTenant(c, platform, "deploy");
    if (!(await store.deleteScript(tenant.id, name(c.req.param("name"))))) throw notFound(c.req.param("name"));
    return c.json({ deleted: c.req.param("name") });
  });

  app.post("/scripts/:name/invoke", async (c) => {
    const tenant = await requireTenant(c, platform, "run");
    const scriptName = name(c.req.param("name"));
    const text = await c.req.text();
    let input: unknown = null;
    if (text.trim()) {
      try {
        input = JSON.parse(text);
      } catch {
        throw new RequestError("invalid_json", "The request body is not valid JSON");
      }
    }
    // The active version is read once: an update mid-run does not touch a run already going.
    const script = await store.getActiveScript(tenant.id, scriptName);
    if (!script) throw notFound(scriptName);
    const { engine, job } = await jobFor(script, tenant, encodeInput(input, config), "absent");
    const outcome = await runForTenant(engine, job, { platform, tenantId: tenant.id, script: { name: scriptName, version: script.version } });
    return c.json({ ...outcome, script: { name: scriptName, version: script.version } });
  });
  return app;
}
