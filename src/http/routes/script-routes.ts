import type { OpenAPIHono } from "@hono/zod-openapi";
import { RequestError } from "../../errors.ts";
import type { ScriptVersion } from "../../platform/platform-store.ts";
import type { AppContext } from "../app-context.ts";
import { requireTenant, type KilnEnv } from "../authenticate.ts";
import { INVOCATION_OUTCOME } from "../run-outcome.ts";
import { respondWithRun, runResponse } from "../run-stream.ts";
import { DEPLOY_BODY, encodeInput, LIMITS, toScriptSpec } from "../run-request.ts";
import { createRoute, createRoutes, defineRoute, errorResponses, jsonBody, jsonResponse, TENANT_AUTH, z } from "../validation.ts";
import { REQUESTED_GRANTS } from "../../capabilities/grants.ts";

// No `i` flag: a JSON Schema pattern has no flags.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const NAME_PARAMS = z.strictObject({
  name: z
    .string()
    .regex(NAME, { error: "a script name is 1-64 letters, digits, _ or -" })
    .meta({ param: { name: "name", in: "path" }, example: "pricing" }),
});

const VERSION_FIELDS = {
  name: z.string(),
  version: z.int(),
  language: z.string(),
  grants: REQUESTED_GRANTS.unwrap().unwrap(),
  limits: LIMITS.unwrap().unwrap().nullable(),
  type: z.enum(["module", "script"]).optional(),
  stdin: z.string().optional(),
  args: z.array(z.string()).optional(),
  files: z.array(z.strictObject({ name: z.string(), content: z.string() })).optional(),
  record: z.literal(true).optional().meta({ description: "Each invocation is recorded for replay (POST /v1/runs/{id}/replay)" }),
  createdAt: z.iso.datetime(),
};
const VERSION = z.strictObject(VERSION_FIELDS).meta({ id: "ScriptVersion" });
const VERSION_WITH_CODE = z.strictObject({ ...VERSION_FIELDS, code: z.string() }).meta({ id: "ScriptVersionWithCode" });

const describe = (v: ScriptVersion, withCode = false) => ({
  name: v.name,
  version: v.version,
  language: v.language,
  grants: v.grants,
  limits: v.limits ?? null,
  ...(v.type && { type: v.type }),
  ...(v.stdin !== undefined && { stdin: v.stdin }),
  ...(v.args !== undefined && { args: v.args }),
  ...(v.files !== undefined && { files: v.files }),
  ...(v.record && { record: true as const }),
  createdAt: new Date(v.createdAt).toISOString(),
  ...(withCode ? { code: v.code } : {}),
});

const tags = ["scripts"];
const security = TENANT_AUTH;

const deployRoute = createRoute({
  method: "put",
  path: "/scripts/{name}",
  summary: "Deploy a new version and make it live",
  description: "The code is checked first in a sandbox (parsed and its top level run, with every host call but log.write refused); a script that does not load is a 400 invalid_script.",
  tags,
  security,
  request: { params: NAME_PARAMS, body: jsonBody(DEPLOY_BODY) },
  responses: { 201: jsonResponse(VERSION, "The new live version"), ...errorResponses(403, 404, 429) },
});

const listRoute = createRoute({
  method: "get",
  path: "/scripts",
  summary: "The tenant's scripts",
  tags,
  security,
  responses: {
    200: jsonResponse(
      z.strictObject({
        scripts: z.array(z.strictObject({ name: z.string(), activeVersion: z.int(), latestVersion: z.int(), language: z.string(), updatedAt: z.iso.datetime() })),
      }),
      "Every script with its live and latest version",
    ),
    ...errorResponses(403),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/scripts/{name}",
  summary: "The live version, with its code",
  tags,
  security,
  request: { params: NAME_PARAMS },
  responses: { 200: jsonResponse(VERSION_WITH_CODE, "The live version"), ...errorResponses(403, 404) },
});

const versionsRoute = createRoute({
  method: "get",
  path: "/scripts/{name}/versions",
  summary: "Every version of a script",
  tags,
  security,
  request: { params: NAME_PARAMS },
  responses: { 200: jsonResponse(z.strictObject({ active: z.int().optional(), versions: z.array(VERSION) }), "The live version's number and every version"), ...errorResponses(403, 404) },
});

const versionRoute = createRoute({
  method: "get",
  path: "/scripts/{name}/versions/{version}",
  summary: "One version of a script, with its code, live or not",
  tags,
  security,
  request: { params: NAME_PARAMS.extend({ version: z.coerce.number<string>().int().min(1).meta({ param: { name: "version", in: "path" }, example: 1 }) }) },
  responses: { 200: jsonResponse(VERSION_WITH_CODE, "The version"), ...errorResponses(403, 404) },
});

const rollbackRoute = createRoute({
  method: "post",
  path: "/scripts/{name}/rollback",
  summary: "Make an earlier version live again",
  tags,
  security,
  request: { params: NAME_PARAMS, body: jsonBody(z.strictObject({ version: z.int({ error: "must be an integer" }) })) },
  responses: { 200: jsonResponse(VERSION, "The version now live"), ...errorResponses(403, 404) },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/scripts/{name}",
  summary: "Remove a script and all its versions",
  tags,
  security,
  request: { params: NAME_PARAMS },
  responses: { 200: jsonResponse(z.strictObject({ deleted: z.string() }), "The name of the script removed"), ...errorResponses(403, 404) },
});

const invokeRoute = createRoute({
  method: "post",
  path: "/scripts/{name}/invoke",
  summary: "Run the live version with the body as its input",
  description: "The body is the run's input: any JSON value; an empty body is null.",
  tags,
  security,
  request: { params: NAME_PARAMS, body: jsonBody(z.unknown().meta({ example: { qty: 3 } }), { required: false }) },
  responses: { 200: runResponse(jsonResponse(INVOCATION_OUTCOME, "The run's outcome and the version that ran")), ...errorResponses(403, 404, 423, 429) },
});

/** Deployed scripts, per tenant: deploy (`deploy` scope), manage, roll back, and invoke (`run` scope). */
export function scriptRoutes(ctx: AppContext): OpenAPIHono<KilnEnv> {
  const { config, platform, runs } = ctx;
  const { store } = platform;
  const app = createRoutes();
  const notFound = (n: string) => new RequestError("not_found", `No script named '${n}'`);

  defineRoute(app, deployRoute, async (c, valid) => {
    const tenant = await requireTenant(c, platform, "deploy");
    const { params, body } = await valid();
    const spec = toScriptSpec(body, config);
    // A broken deploy is refused before it goes live (see Runs.checkDeploy).
    const version = await store.deployScript(tenant.id, params.name, await runs.checkDeploy(tenant, spec));
    await platform.guard.clear(tenant.id, params.name);
    return c.json(describe(version), 201);
  });

  defineRoute(app, listRoute, async (c) => {
    const tenant = await requireTenant(c, platform, "deploy");
    const scripts = await store.listScripts(tenant.id);
    return c.json({ scripts: scripts.map((s) => ({ ...s, updatedAt: new Date(s.updatedAt).toISOString() })) });
  });

  defineRoute(app, getRoute, async (c, valid) => {
    const tenant = await requireTenant(c, platform, "deploy");
    const { name } = (await valid()).params;
    const active = await store.getActiveScript(tenant.id, name);
    if (!active) throw notFound(name);
    return c.json(describe(active, true));
  });

  defineRoute(app, versionsRoute, async (c, valid) => {
    const tenant = await requireTenant(c, platform, "deploy");
    const { name } = (await valid()).params;
    const versions = await store.listVersions(tenant.id, name);
    if (!versions.length) throw notFound(name);
    const active = (await store.getActiveScript(tenant.id, name))?.version;
    return c.json({ active, versions: versions.map((v) => describe(v)) });
  });

  defineRoute(app, versionRoute, async (c, valid) => {
    const tenant = await requireTenant(c, platform, "deploy");
    const { name, version } = (await valid()).params;
    const found = await store.getScriptVersion(tenant.id, name, version);
    if (!found) throw new RequestError("not_found", `No version ${version} of '${name}'`);
    return c.json(describe(found, true));
  });

  defineRoute(app, rollbackRoute, async (c, valid) => {
    const tenant = await requireTenant(c, platform, "deploy");
    const { params, body } = await valid();
    if (!(await store.activateVersion(tenant.id, params.name, body.version))) throw new RequestError("not_found", `No version ${body.version} of '${params.name}'`);
    await platform.guard.clear(tenant.id, params.name);
    return c.json(describe((await store.getActiveScript(tenant.id, params.name))!));
  });

  defineRoute(app, deleteRoute, async (c, valid) => {
    const tenant = await requireTenant(c, platform, "deploy");
    const { name } = (await valid()).params;
    if (!(await store.deleteScript(tenant.id, name))) throw notFound(name);
    return c.json({ deleted: name });
  });

  defineRoute(app, invokeRoute, async (c, valid) => {
    const tenant = await requireTenant(c, platform, "run");
    const { params, body } = await valid();
    // The active version is read once: an update mid-run does not touch a run already going.
    const script = await store.getActiveScript(tenant.id, params.name);
    if (!script) throw notFound(params.name);
    const inputJson = encodeInput(body ?? null, config);
    return respondWithRun(c, async (onOutput) => ({ ...(await runs.invoke(tenant, script, inputJson, { requestId: c.get("requestId"), onOutput })), script: { name: params.name, version: script.version } }));
  });
  return app;
}
