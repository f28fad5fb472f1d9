import { Hono } from "hono";
import { callerComponents } from "../../../languages/index.ts";
import { RequestError } from "../../errors.ts";
import { resolveLimits } from "../../limits/run-limits.ts";
import { runForTenant } from "../../platform/run-service.ts";
import { tenantRunGrants } from "../../platform/tenant-run-grants.ts";
import type { AppContext } from "../app-context.ts";
import { requireTenant, type KilnEnv } from "../authenticate.ts";
import { parseRunRequest, sourceTypeFor } from "../run-request.ts";

/** `POST /v1/run` (scope `run`) and `GET /v1/languages` (any token). */
export function runRoutes(ctx: AppContext): Hono<KilnEnv> {
  const { config, languages, platform } = ctx;
  const app = new Hono<KilnEnv>();
  app.get("/languages", (c) => c.json({ languages: languages.list() }));
  app.post("/run", async (c) => {
    const tenant = await requireTenant(c, platform, "run");
    const request = parseRunRequest(await c.req.text(), config);
    const host = await tenantRunGrants(request.grants, { config, platform, tenant });
    const limits = resolveLimits(request.limits, config);
    if ("component" in request) {
      const found = await platform.store.getComponent(tenant.id, request.component);
      if (!found) throw new RequestError("not_found", `No component with id '${request.component}'; upload it with POST /v1/components`);
      const name = callerComponents?.language.name;
      if (!name || !languages.has(name)) throw new RequestError("not_supported", "This deployment cannot run components (the Node server can)");
      const { engine } = languages.resolve(name);
      const job = { language: name, code: "", component: { id: request.component, bytes: found.bytes }, inputJson: request.inputJson, limits, host };
      return c.json(await runForTenant(engine, job, { platform, tenantId: tenant.id }));
    }
    const { info, engine } = languages.resolve(request.language);
    const job = { language: info.name, code: request.code, inputJson: request.inputJson, limits, host, ...sourceTypeFor(request.type, info) };
    return c.json(await runForTenant(engine, job, { platform, tenantId: tenant.id }));
  });
  return app;
}
