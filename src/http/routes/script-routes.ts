import { Hono } from "hono";
import { RequestError } from "../../errors.ts";
import type { ScriptVersion } from "../../platform/platform-store.ts";
import type { AppContext } from "../app-context.ts";
import { requireTenant, type KilnEnv } from "../authenticate.ts";
import { encodeInput, parseJsonObject, parseScriptFields } from "../run-request.ts";

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
  const { config, platform, runs } = ctx;
  const { store } = platform;
  const app = new Hono<KilnEnv>();
  const name = (raw: string) => {
    if (!NAME.test(raw)) throw new RequestError("invalid_request", "A script name is 1-64 letters, digits, _ or -");
    return raw;
  };
  const notFound = (n: string) => new RequestError("not_found", `No script named '${n}'`);

  app.put("/scripts/:name", async (c) => {
    const tenant = await requireTenant(c, platform, "deploy");
    const scriptName = name(c.req.param("name"));
    const spec = parseScriptFields(parseJsonObject(await c.req.text()), config);
    // A broken deploy is refused before it goes live (see Runs.checkDeploy).
    const version = await store.deployScript(tenant.id, scriptName, await runs.checkDeploy(tenant, spec));
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
    const outcome = await runs.invoke(tenant, script, encodeInput(input, config));
    return c.json({ ...outcome, script: { name: scriptName, version: script.version } });
  });
  return app;
}
