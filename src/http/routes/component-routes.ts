import { Hono } from "hono";
import { componentId } from "../../engine/component/component-id.ts";
import { RequestError } from "../../errors.ts";
import type { ComponentRecord } from "../../platform/platform-store.ts";
import type { AppContext } from "../app-context.ts";
import { requireTenant, type KilnEnv } from "../authenticate.ts";

const ID = /^[0-9a-f]{64}$/;

const describe = (r: ComponentRecord) => ({ id: r.id, imports: r.imports, exports: r.exports, size: r.size, createdAt: new Date(r.createdAt).toISOString() });

/**
 * Callers' own WebAssembly components, per tenant: `POST /v1/components` (scope `deploy`) takes the
 * component's bytes, checks them against world `kiln:sandbox/script` and stores them under their
 * SHA-256; `GET /v1/components/:id` describes one. `POST /v1/run {"component": id}` runs it.
 */
export function componentRoutes(ctx: AppContext): Hono<KilnEnv> {
  const { platform, components } = ctx;
  const app = new Hono<KilnEnv>();
  app.post("/components", async (c) => {
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
  app.get("/components/:id", async (c) => {
    const tenant = await requireTenant(c, platform, "run");
    const id = c.req.param("id");
    const found = ID.test(id) ? await platform.store.getComponent(tenant.id, id) : undefined;
    if (!found) throw new RequestError("not_found", `No component with id '${id}'`);
    return c.json(describe(found.record));
  });
  return app;
}
