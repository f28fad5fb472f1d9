import type { OpenAPIHono } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import type { LogEvent } from "../../platform/log-bus.ts";
import type { AppContext } from "../app-context.ts";
import { requireTenant, type KilnEnv } from "../authenticate.ts";
import { GUEST_ERROR_CODES } from "../../errors.ts";
import { USAGE } from "../run-outcome.ts";
import { createRoute, createRoutes, defineRoute, errorResponses, TENANT_AUTH, z } from "../validation.ts";

/** How often an idle stream sends `event: ping`, so proxies keep it open. */
const PING_MS = 15_000;

const streamRoute = createRoute({
  method: "get",
  path: "/logs/stream",
  summary: "The tenant's live log events (server-sent events)",
  description: [
    "Events, each `data:` one JSON object:",
    "- `ready` once, first: `{tenant, script}` (the tenant's id, and the `script` filter or null).",
    "- `log` for every `log.write` entry and the stdout and stderr of each run, sent when the run ends: `{at, runId, script, version, requestId?, stream, level?, message}` (`stream` is `log`, `stdout` or `stderr`; `script` and `version` are null for ad-hoc runs).",
    "- `run` after a run's `log` events, for every run, failed ones included: `{at, runId, script, version, requestId?, stream: \"run\", language, outcome, message?, usage}` (`outcome` is `ok` or the error code, `message` the error's).",
    "- `ping` with empty data after 15 s without events.",
    "`at` is ISO 8601.",
  ].join("\n"),
  tags: ["logs"],
  security: TENANT_AUTH,
  request: { query: z.strictObject({ script: z.string().optional().describe("Only this deployed script's events") }) },
  responses: {
    200: { description: "An endless `text/event-stream`", content: { "text/event-stream": { schema: z.string() } } },
    ...errorResponses(403),
  },
});

/** The `data` of each event, as components of the document (a stream's body has no schema of its own). */
const RUN_EVENT = {
  at: z.string().describe("ISO 8601"),
  runId: z.string(),
  script: z.string().nullable(),
  version: z.int().nullable(),
  requestId: z.string().optional().describe("The id of the HTTP request that asked for the run (its `X-Request-Id` response header), as in the server log"),
};
const EVENTS = {
  LogStreamReady: z.strictObject({ tenant: z.string(), script: z.string().nullable() }).describe("`event: ready`, once, first"),
  LogLine: z
    .strictObject({ ...RUN_EVENT, stream: z.enum(["log", "stdout", "stderr"]), level: z.string().optional(), message: z.string() })
    .describe("`event: log`: a `log.write` entry, or a run's stdout or stderr"),
  RunEnded: z
    .strictObject({ ...RUN_EVENT, stream: z.literal("run"), language: z.string(), outcome: z.enum(["ok", ...GUEST_ERROR_CODES]), message: z.string().optional(), usage: USAGE })
    .describe("`event: run`: how a run ended, after its lines"),
} satisfies Record<string, z.ZodType>;
// What the bus carries is what the document says, both ways (a compile-time check).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const DOCUMENTED_EVENTS: Same<z.output<typeof EVENTS.LogLine> | z.output<typeof EVENTS.RunEnded>, LogEvent> = true;
void DOCUMENTED_EVENTS;

/** `GET /v1/logs/stream` (`logs` scope): the token's tenant's live log and run events as server-sent events, `?script=` to filter. */
export function logRoutes(ctx: AppContext): OpenAPIHono<KilnEnv> {
  const { platform } = ctx;
  const app = createRoutes();
  for (const [id, schema] of Object.entries(EVENTS)) app.openAPIRegistry.register(id, schema);
  defineRoute(app, streamRoute, async (c, valid) => {
    const tenant = await requireTenant(c, platform, "logs");
    const { script } = (await valid()).query;
    return streamSSE(c, async (stream) => {
      const queue: LogEvent[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = await platform.logs.subscribe(tenant.id, (event) => {
        if (script && event.script !== script) return;
        queue.push(event);
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      await stream.writeSSE({ event: "ready", data: JSON.stringify({ tenant: tenant.id, script: script ?? null }) });
      while (!stream.aborted) {
        const event = queue.shift();
        if (event) {
          await stream.writeSSE({ event: event.stream === "run" ? "run" : "log", data: JSON.stringify(event) });
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, PING_MS);
        });
        if (!queue.length && !stream.aborted) await stream.writeSSE({ event: "ping", data: "" });
      }
      unsubscribe();
    });
  });
  return app;
}
