import { Hono } from "hono";
import type { AppContext } from "../app-context.ts";
import { requireTenant, type KilnEnv } from "../authenticate.ts";
import { parseRunRequest } from "../run-request.ts";

/** `POST /v1/run` (scope `run`) and `GET /v1/languages` (any token). */
export function runRoutes(ctx: AppContext): Hono<KilnEnv> {
  const { config, languages, platform, runs } = ctx;
  const app = new Hono<KilnEnv>();
  app.get("/languages", (c) => c.json({ languages: languages.list() }));
  app.post("/run", async (c) => {
    const tenant = await requireTenant(c, platform, "run");
    const request = parseRunRequest(await c.req.text(), config);
    return c.json(await runs.run(tenant, request));
  });
  return app;
}
