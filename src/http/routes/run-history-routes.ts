import type { OpenAPIHono } from "@hono/zod-openapi";
import { GUEST_ERROR_CODES, RequestError } from "../../errors.ts";
import { decodeCursor, DEFAULT_RUN_PAGE, encodeCursor, MAX_RUN_PAGE, retentionFor, type RunRecord, type RunSummary } from "../../platform/run-history.ts";
import type { AppContext } from "../app-context.ts";
import { requireTenant, type KilnEnv } from "../authenticate.ts";
import { GUEST_ERROR, USAGE } from "../run-outcome.ts";
import { createRoute, createRoutes, defineRoute, errorResponses, jsonResponse, TENANT_AUTH, z } from "../validation.ts";

const OUTCOME = z.enum(["ok", ...GUEST_ERROR_CODES]);
const SUMMARY_FIELDS = {
  id: z.string(),
  script: z.string().nullable().describe("The deployed script; null for an ad-hoc run"),
  version: z.int().nullable().describe("The script's version that ran; null for an ad-hoc run"),
  language: z.string(),
  outcome: OUTCOME.describe("`ok` or the guest error's code"),
  kind: z.enum(["run", "invoke"]).describe("`invoke`: a deployed script's invocation; `run`: ad-hoc code or a component (Piston and Judge0 runs too)"),
  usage: USAGE,
  startedAt: z.string().describe("ISO 8601"),
  recorded: z.boolean().describe("Whether the run was recorded for replay"),
};
const RUN_SUMMARY = z.strictObject(SUMMARY_FIELDS).meta({ id: "RunSummary" });
const RUN_RECORD = z
  .strictObject({
    ...SUMMARY_FIELDS,
    stdout: z.string(),
    stderr: z.string(),
    logs: z.array(z.strictObject({ level: z.enum(["debug", "info", "warn", "error"]), message: z.string() })),
    result: z.unknown().optional().describe("The result of a run that ended `ok`"),
    error: GUEST_ERROR.optional().describe("The error of a run that did not"),
  })
  .meta({ id: "RunRecord" });

const listRoute = createRoute({
  method: "get",
  path: "/runs",
  summary: "The tenant's recent runs, newest first",
  description: `A page of runs (\`limit\`, default ${DEFAULT_RUN_PAGE}, at most ${MAX_RUN_PAGE}); \`cursor\` is the next page's, null after the last. Runs are kept per tenant up to KILN_RUN_HISTORY_MAX runs and KILN_RUN_HISTORY_DAYS days (or the tenant's quotas).`,
  tags: ["runs"],
  security: TENANT_AUTH,
  request: {
    query: z.strictObject({
      script: z.string().optional().describe("Only this deployed script's runs"),
      outcome: OUTCOME.optional().describe("Only runs that ended so"),
      limit: z.coerce.number().int().min(1).optional().describe(`Runs per page: default ${DEFAULT_RUN_PAGE}, lowered to ${MAX_RUN_PAGE}`),
      cursor: z.string().optional().describe("The `cursor` of the previous page"),
    }),
  },
  responses: {
    200: jsonResponse(z.strictObject({ runs: z.array(RUN_SUMMARY), cursor: z.string().nullable() }), "A page of runs and the next page's cursor"),
    ...errorResponses(403),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/runs/{id}",
  summary: "One run, with its output, logs and result",
  tags: ["runs"],
  security: TENANT_AUTH,
  request: { params: z.object({ id: z.string().describe("The run's `runId`") }) },
  responses: { 200: jsonResponse(RUN_RECORD, "The run"), ...errorResponses(403, 404) },
});

/** A run as the API shows it: its start time in ISO 8601, without its tenant. */
function describeRun<T extends RunSummary>(run: T): Omit<T, "tenantId" | "startedAt"> & { startedAt: string } {
  const { tenantId, startedAt, ...rest } = run;
  void tenantId;
  return { ...rest, startedAt: new Date(startedAt).toISOString() };
}

/** `GET /v1/runs` and `GET /v1/runs/{id}` (`logs` scope): the token's tenant's run history. Another tenant's run is a 404. */
export function runHistoryRoutes(ctx: AppContext): OpenAPIHono<KilnEnv> {
  const { config, platform } = ctx;
  const app = createRoutes();
  defineRoute(app, listRoute, async (c, valid) => {
    const tenant = await requireTenant(c, platform, "logs");
    const { script, outcome, limit = DEFAULT_RUN_PAGE, cursor } = (await valid()).query;
    const pageSize = Math.min(limit, MAX_RUN_PAGE);
    const since = Date.now() - retentionFor(tenant, config).maxAgeMs;
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    // One more than the page, to know whether another page follows.
    const runs = await platform.store.listRuns(tenant.id, { script, outcome, limit: pageSize + 1, since, ...(after && { after }) });
    const page = runs.slice(0, pageSize);
    return c.json({ runs: page.map(describeRun), cursor: runs.length > pageSize ? encodeCursor(page[page.length - 1]!) : null });
  });
  defineRoute(app, getRoute, async (c, valid) => {
    const tenant = await requireTenant(c, platform, "logs");
    const { id } = (await valid()).params;
    const since = Date.now() - retentionFor(tenant, config).maxAgeMs;
    const run: RunRecord | undefined = await platform.store.getRun(tenant.id, id, since);
    if (!run) throw new RequestError("not_found", `No run with the id '${id}' (runs are kept ${config.runHistory.days} days by default)`);
    return c.json(describeRun(run));
  });
  return app;
}
