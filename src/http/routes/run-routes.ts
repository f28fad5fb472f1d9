import { languages } from "../../../languages/index.ts";
import { EDITOR_SYNTAXES } from "../../engine/engine.ts";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppContext } from "../app-context.ts";
import { requireTenant, type KilnEnv } from "../authenticate.ts";
import { RUN_OUTCOME } from "../run-outcome.ts";
import { respondWithRun, runResponse } from "../run-stream.ts";
import { RUN_BODY, toRun } from "../run-request.ts";
import { ANY_AUTH, createRoute, createRoutes, defineRoute, errorResponses, jsonBody, jsonResponse, TENANT_AUTH, z } from "../validation.ts";

const LANGUAGES = z
  .strictObject({
    languages: z.array(
      z.strictObject({
        name: z.string(),
        version: z.string(),
        aliases: z.array(z.string()),
        engine: z.string(),
        minMemoryMb: z.int().optional(),
        sourceTypes: z.array(z.enum(["module", "script"])).optional(),
        example: z.string().optional().meta({ description: 'A handler answering "hi " + input.name' }),
        syntax: z.enum(EDITOR_SYNTAXES).optional().meta({ description: "How an editor highlights the language's code" }),
        libraries: z
          .array(z.strictObject({ name: z.string(), version: z.string() }))
          .optional()
          .meta({ description: "The libraries its guests may import by name, with their pinned versions" }),
      }),
    ),
  })
  .meta({ id: "Languages" });

const languagesRoute = createRoute({
  method: "get",
  path: "/languages",
  summary: "The languages this server runs",
  tags: ["runs"],
  security: ANY_AUTH,
  responses: { 200: jsonResponse(LANGUAGES, "Each language with its version and aliases"), ...errorResponses() },
});

/** One run per language, its descriptor's example (the `greet` case of its fixtures), the same greeting in each. */
const EXAMPLES = Object.fromEntries(
  languages.flatMap(({ language }) => ("example" in language ? [[language.name, { summary: language.name, value: { language: language.name, code: language.example, input: { name: "Kiln" } } }]] : [])),
);

const runRoute = createRoute({
  method: "post",
  path: "/run",
  summary: "Run code (or an uploaded component) once",
  description:
    "Any run answers 200: `ok: true` and its result, or `ok: false` and the guest's error. A request that cannot run is a 4xx. With `Accept: text/event-stream` the output arrives as the run goes, then the same body as a `result` event.",
  tags: ["runs"],
  security: TENANT_AUTH,
  request: { body: jsonBody(RUN_BODY, { examples: EXAMPLES }) },
  responses: { 200: runResponse(jsonResponse(RUN_OUTCOME, "The run's outcome")), ...errorResponses(403, 404, 423, 429, 501) },
});

/** `POST /v1/run` (scope `run`) and `GET /v1/languages` (any token). */
export function runRoutes(ctx: AppContext): OpenAPIHono<KilnEnv> {
  const { config, languages, platform, runs } = ctx;
  const app = createRoutes();
  defineRoute(app, languagesRoute, (c) => c.json({ languages: languages.list() }));
  defineRoute(app, runRoute, async (c, valid) => {
    const tenant = await requireTenant(c, platform, "run");
    const { body } = await valid();
    const run = toRun(body, config);
    return respondWithRun(c, (onOutput) => runs.run(tenant, run, { requestId: c.get("requestId"), onOutput }));
  });
  return app;
}
