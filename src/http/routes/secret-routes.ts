import { Hono } from "hono";
import { RequestError } from "../../errors.ts";
import { utf8Length } from "../../limits/output.ts";
import type { AppContext } from "../app-context.ts";
import { requireTenant, type KilnEnv } from "../authenticate.ts";
import { parseJsonObject } from "../run-request.ts";

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_SECRET_BYTES = 16 << 10;

/** A tenant's secrets (`deploy` scope): write-only values, sealed at rest; listing shows names only. */
export function secretRoutes(ctx: AppContext): Hono<KilnEnv> {
  const { platform } = ctx;
  const app = new Hono<KilnEnv>();
  const name = (raw: string) => {
    if (!NAME.test(raw)) throw new RequestError("invalid_request", "A secret name is a letter or _ then up to 63 letters, digits or _");
    return raw;
  };

  app.put("/secrets/:name", async (c) => {
    const tenant = await requireTenant(c, platform, "deploy");
    const { value } = parseJsonObject(await c.req.text());
    if (typeof value !== "string" || utf8Length(value) > MAX_SECRET_BYTES) throw new RequestError("invalid_request", `'value' must be a string of at most ${MAX_SECRET_BYTES} bytes`);
    await platform.store.putSecret(tenant.id, name(c.req.param("name")), await platform.secretBox.seal(value));
    return c.json({ name: c.req.param("name") });
  });

  app.get("/secrets", async (c) => {
    const tenant = await requireTenant(c, platform, "deploy");
    return c.json({ secrets: Object.keys(await platform.store.getSecrets(tenant.id)).sort() });
  });

  app.delete("/secrets/:name", async (c) => {
    const tenant = await requireTenant(c, platform, "deploy");
    if (!(await platform.store.deleteSecret(tenant.id, name(c.req.param("name"))))) throw new RequestError("not_found", "No such secret");
    return c.json({ deleted: c.req.param("name") });
  });
  return app;
}
