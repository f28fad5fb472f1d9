import type { OpenAPIHono } from "@hono/zod-openapi";
import type { KilnEnv } from "./authenticate.ts";
import { createRoute, defineRoute, jsonResponse, z } from "./validation.ts";

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  summary: "Whether the server is up",
  tags: ["meta"],
  security: [],
  responses: { 200: jsonResponse(z.strictObject({ status: z.literal("ok") }), "Up") },
});

/** `GET /healthz` (no token): `{"status":"ok"}`. */
export function healthRoutes(app: OpenAPIHono<KilnEnv>): void {
  defineRoute(app, healthRoute, (c) => c.json({ status: "ok" as const }));
}
