import type { OpenAPIHono } from "@hono/zod-openapi";
import { RequestError } from "../../errors.ts";
import { utf8Length } from "../../limits/output.ts";
import type { AppContext } from "../app-context.ts";
import { requireTenant, type KilnEnv } from "../authenticate.ts";
import { createRoute, createRoutes, defineRoute, errorResponses, jsonBody, jsonResponse, TENANT_AUTH, tooLarge, z } from "../validation.ts";

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_SECRET_BYTES = 16 << 10;

const NAME_PARAMS = z.strictObject({
  name: z
    .string()
    .regex(NAME, { error: "a secret name is a letter or _ then up to 63 letters, digits or _" })
    .meta({ param: { name: "name", in: "path" }, example: "STRIPE_KEY" }),
});

const tags = ["secrets"];
const security = TENANT_AUTH;

const putRoute = createRoute({
  method: "put",
  path: "/secrets/{name}",
  summary: "Store a secret (sealed at rest; never shown again)",
  tags,
  security,
  request: {
    params: NAME_PARAMS,
    body: jsonBody(
      z.strictObject({
        value: z.string().superRefine((v, ctx) => {
          if (utf8Length(v) > MAX_SECRET_BYTES) tooLarge(ctx, `larger than ${MAX_SECRET_BYTES} bytes`);
        }),
      }),
    ),
  },
  responses: { 200: jsonResponse(z.strictObject({ name: z.string() }), "Stored"), ...errorResponses(403) },
});

const listRoute = createRoute({
  method: "get",
  path: "/secrets",
  summary: "The names of the tenant's secrets",
  tags,
  security,
  responses: { 200: jsonResponse(z.strictObject({ secrets: z.array(z.string()) }), "Names only, sorted"), ...errorResponses(403) },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/secrets/{name}",
  summary: "Remove a secret",
  tags,
  security,
  request: { params: NAME_PARAMS },
  responses: { 200: jsonResponse(z.strictObject({ deleted: z.string() }), "The name removed"), ...errorResponses(403, 404) },
});

/** A tenant's secrets (`deploy` scope): write-only values, sealed at rest; listing shows names only. */
export function secretRoutes(ctx: AppContext): OpenAPIHono<KilnEnv> {
  const { platform } = ctx;
  const app = createRoutes();

  defineRoute(app, putRoute, async (c, valid) => {
    const tenant = await requireTenant(c, platform, "deploy");
    const { params, body } = await valid();
    await platform.store.putSecret(tenant.id, params.name, await platform.secretBox.seal(body.value));
    return c.json({ name: params.name });
  });

  defineRoute(app, listRoute, async (c) => {
    const tenant = await requireTenant(c, platform, "deploy");
    return c.json({ secrets: Object.keys(await platform.store.getSecrets(tenant.id)).sort() });
  });

  defineRoute(app, deleteRoute, async (c, valid) => {
    const tenant = await requireTenant(c, platform, "deploy");
    const { name } = (await valid()).params;
    if (!(await platform.store.deleteSecret(tenant.id, name))) throw new RequestError("not_found", "No such secret");
    return c.json({ deleted: name });
  });
  return app;
}
