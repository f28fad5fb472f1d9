import { Hono } from "hono";
import { resolveLimits } from "../../limits/run-limits.ts";
import { runForTenant } from "../../platform/run-service.ts";
import { tenantRunGrants } from "../../platform/tenant-run-grants.ts";
import type { AppContext } from "../app-context.ts";
import { requireTenant, type KilnEnv } from "../authenticate.ts";
import { parseRunRequest } from "../run-request.ts";

/** `POST /v1/run` (scope `run`) and `GET /v1/languages` (any token). */
export function runRoutes(ctx: AppContext): Hono<KilnEnv> {
  const { config, languages, platform } = ctx;
  const app = new Hono<KilnEnv>();
  app.get("/languages", (c) => c.json({ languages: languages.list() }));
  app.post("/run", async (c) => {
    const tenant = await requireTenant(c, platform, "run");
    const request = parseRunRequest(await c.req.text(), config);
    const { info, engine } = languages.resolve(request.language);
    const host = await tenantRunGrants(request.grants, { config, platform, tenant });
    const job = { language: info.name, code: request.code, inputJson: request.inputJson, limits: resolveLimits(request.limits, config), host };
    return c.json(await runForTenant(engine, job, { platform, tenantId: tenant.id }));
  });
  return app;
}
