import type { OpenAPIHono } from "@hono/zod-openapi";
import { componentId } from "../../engine/component/component-id.ts";
import { RequestError } from "../../errors.ts";
import type { ComponentRecord } from "../../platform/platform-store.ts";
import type { AppContext } from "../app-context.ts";
import { requireTenant, type KilnEnv } from "../authenticate.ts";
import { createRoute, createRoutes, defineRoute, errorResponses, jsonResponse, TENANT_AUTH, z } from "../validation.ts";

const COMPONENT = z
  .strictObject({
    id: z.string().describe("The SHA-256 of its bytes, in hex"),
    imports: z.array(z.string()),
    exports: z.array(z.string()),
    size: z.int(),
    createdAt: z.string().describe("ISO 8601"),
  })
  .meta({ id: "Component" });
const ID = z.object({ id: z.string().regex(/^[0-9a-f]{64}$/, "must be a component id (64 lowercase hex digits)") });

const describe = (r: ComponentRecord) => ({ id: r.id, imports: r.imports, exports: r.exports, size: r.size, createdAt: new Date(r.createdAt).toISOString() });

const uploadRoute = createRoute({
  method: "post",
  path: "/components",
  summary: "Upload a WebAssembly component",
  description: "The body is the component's bytes. It is checked against world `kiln:sandbox/script` and stored under its SHA-256: 201 when new, 200 when already stored.",
  tags: ["components"],
  security: TENANT_AUTH,
  request: { body: { required: true, content: { "application/wasm": { schema: z.string().meta({ format: "binary" }) } } } },
  responses: {
    200: jsonResponse(COMPONENT, "Already stored"),
    201: jsonResponse(COMPONENT, "Stored"),
    ...errorResponses(403, 501),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/components",
  summary: "The tenant's components",
  tags: ["components"],
  security: TENANT_AUTH,
  responses: { 200: jsonResponse(z.strictObject({ components: z.array(COMPONENT) }), "Oldest first"), ...errorResponses(403) },
});

const getRoute = createRoute({
  method: "get",
  path: "/components/{id}",
  summary: "One component",
  tags: ["components"],
  security: TENANT_AUTH,
  request: { params: ID },
  responses: { 200: jsonResponse(COMPONENT, "The component"), ...errorResponses(403, 404) },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/components/{id}",
  summary: "Delete a component",
  description: "Runs that name it get 404 from then on; uploading the same bytes again stores it anew.",
  tags: ["components"],
  security: TENANT_AUTH,
  request: { params: ID },
  responses: { 200: jsonResponse(z.strictObject({ deleted: z.string() }), "The deleted component's id"), ...errorResponses(403, 404) },
});

/**
 * Callers' own WebAssembly components, per tenant: upload (scope `deploy`: checked against world
 * `kiln:sandbox/script`, stored under the SHA-256 of its bytes), list and describe (`run`), delete
 * (`deploy`). `POST /v1/run {"component": id}` runs one.
 */
export function componentRoutes(ctx: AppContext): OpenAPIHono<KilnEnv> {
  const { platform, components } = ctx;
  const app = createRoutes();
  const notFound = (id: string) => new RequestError("not_found", `No component with id '${id}'`);

  defineRoute(app, uploadRoute, async (c) => {
    const tenant = await requireTenant(c, platform, "deploy");
    if (!components) throw new RequestError("not_supported", "This deployment cannot accept components (the Node server can)");
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.length === 0) throw new RequestError("invalid_component", "The request body must be the component's bytes (Content-Type: application/wasm)");
    const id = await componentId(bytes);
    const existing = await platform.store.getComponent(tenant.id, id);
    if (existing) return c.json(describe(existing.record), 200);
    const { imports, exports } = await components.check(bytes);
    const record: ComponentRecord = { id, imports, exports, size: bytes.length, createdAt: Date.now() };
    await platform.store.putComponent(tenant.id, record, bytes);
    return c.json(describe(record), 201);
  });
  defineRoute(app, listRoute, async (c) => {
    const tenant = await requireTenant(c, platform, "run");
    return c.json({ components: (await platform.store.listComponents(tenant.id)).map(describe) });
  });
  defineRoute(app, getRoute, async (c, valid) => {
    const tenant = await requireTenant(c, platform, "run");
    const { params } = await valid();
    const found = await platform.store.getComponent(tenant.id, params.id);
    if (!found) throw notFound(params.id);
    return c.json(describe(found.record));
  });
  defineRoute(app, deleteRoute, async (c, valid) => {
    const tenant = await requireTenant(c, platform, "deploy");
    const { params } = await valid();
    if (!(await platform.store.deleteComponent(tenant.id, params.id))) throw notFound(params.id);
    return c.json({ deleted: params.id });
  });
  return app;
}
