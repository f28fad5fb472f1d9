import type { OpenAPIHono } from "@hono/zod-openapi";
import { RequestError } from "../../errors.ts";
import { retentionFor } from "../../platform/run-history.ts";
import type { AppContext } from "../app-context.ts";
import { requireTenant, type KilnEnv } from "../authenticate.ts";
import { GUEST_ERROR, USAGE } from "../run-outcome.ts";
import { createRoute, createRoutes, defineRoute, errorResponses, jsonBody, jsonResponse, TENANT_AUTH, z } from "../validation.ts";

const LOGS = z.array(z.strictObject({ level: z.enum(["debug", "info", "warn", "error"]), message: z.string() }));
const CAPTURED = { stdout: z.string(), stderr: z.string(), logs: LOGS, usage: USAGE, runId: z.string() };
const REPLAY = z
  .strictObject({
    of: z.string().describe("The recorded run's id"),
    identical: z.boolean().describe("Result (or error), stdout, stderr, logs and fuel are the recorded ones, and every host call was the recorded one"),
    differences: z.array(
      z.strictObject({ field: z.enum(["result", "error", "stdout", "stderr", "logs", "fuel"]), recorded: z.unknown(), replayed: z.unknown() }),
    ),
    diverged: z
      .strictObject({
        at: z.int().describe("The index of the first host call that differs (0: the first)"),
        expected: z.string().nullable().describe("The recorded call there, e.g. kv.get(\"k\"); null: the recording had no more"),
        actual: z.string().nullable().describe("The call the replay made; null: it made no more"),
      })
      .optional()
      .describe("Where the replay left the recorded host calls (its code changed): that call and every later one failed"),
    warnings: z.array(z.string()),
  })
  .meta({ id: "ReplayReport" });
const REPLAY_OUTCOME = z
  .union([
    z.strictObject({ ok: z.literal(true), result: z.unknown(), ...CAPTURED, replay: REPLAY }),
    z.strictObject({ ok: z.literal(false), error: GUEST_ERROR, ...CAPTURED, replay: REPLAY }),
  ])
  .meta({ id: "ReplayOutcome" });

const replayRoute = createRoute({
  method: "post",
  path: "/runs/{id}/replay",
  summary: "Run a recorded run again, its host calls answered from the recording",
  description:
    "Replays a run made with `record: true` (or an invocation of a script deployed with it): the same seeds, clock readings and answers of kv and http as recorded, so the same code gives the same result, output and fuel. A script's run replays the script's active version; ad-hoc code replays as recorded, or `code` in its place. A replay is itself a run (rate limits, fuel quota, run history). Secrets are never recorded: `secrets.get` is answered from the secret's current value, with a warning.",
  tags: ["runs"],
  security: TENANT_AUTH,
  request: {
    params: z.object({ id: z.string().describe("The recorded run's `runId`") }),
    body: jsonBody(z.strictObject({ code: z.string().optional().describe("Ad-hoc runs: replay this code instead of the recorded one") }).meta({ id: "ReplayRequest" }).optional(), { required: false }),
  },
  responses: { 200: jsonResponse(REPLAY_OUTCOME, "The replay's outcome and how it compares with the recording"), ...errorResponses(400, 403, 404, 409, 423, 429) },
});

/** `POST /v1/runs/{id}/replay` (scope `run`): replays one of the token's tenant's recorded runs. Another tenant's run is a 404. */
export function replayRoutes(ctx: AppContext): OpenAPIHono<KilnEnv> {
  const { config, platform, runs } = ctx;
  const app = createRoutes();
  defineRoute(app, replayRoute, async (c, valid) => {
    const tenant = await requireTenant(c, platform, "run");
    const { params, body } = await valid();
    const since = Date.now() - retentionFor(tenant, config).maxAgeMs;
    const run = await platform.store.getRun(tenant.id, params.id, since);
    if (!run) throw new RequestError("not_found", `No run with the id '${params.id}'`);
    const recording = run.recorded ? await platform.store.getRecording(tenant.id, params.id) : undefined;
    if (!recording) throw new RequestError("not_recorded", `The run '${params.id}' was not recorded: run it with "record": true (or deploy the script with it) to replay it`);
    if (body?.code !== undefined && new TextEncoder().encode(body.code).length > config.maxCodeBytes) throw new RequestError("payload_too_large", `code: larger than ${config.maxCodeBytes} bytes`);
    if (body?.code !== undefined && (recording.script || recording.component !== undefined)) {
      throw new RequestError("invalid_request", "'code' replaces an ad-hoc run's code only (a script's run replays its active version)");
    }
    const { diverged, ...outcome } = await runs.replay(tenant, recording, { ...(body?.code !== undefined && { code: body.code }) }, { requestId: c.get("requestId") });
    void diverged;
    return c.json(outcome);
  });
  return app;
}
