import type { OpenAPIHono } from "@hono/zod-openapi";
import type { KilnEnv } from "./authenticate.ts";
import { createRoute, defineRoute, jsonResponse, z } from "./validation.ts";

/** The document's own shape, as far as a response check needs it. */
const DOCUMENT = z.looseObject({ openapi: z.literal("3.1.0"), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) });

const documentRoute = createRoute({
  method: "get",
  path: "/openapi.json",
  summary: "This document",
  description: "The API as an OpenAPI 3.1 document, made from the same schemas that validate each request.",
  tags: ["meta"],
  security: [],
  responses: { 200: jsonResponse(DOCUMENT, "The OpenAPI 3.1 document") },
});

/** What the document says about Kiln as a whole. */
const INFO = {
  title: "Kiln",
  version: "0.1.0",
  description:
    "Run untrusted code over HTTP, in WebAssembly sandboxes with fuel and memory caps. Every /v1 route needs `Authorization: Bearer <token>`: " +
    "a tenant's JWT (scopes run, deploy, logs) or, for tenant management only, the admin token. A request Kiln cannot serve as sent gets a 4xx " +
    "`{error: {code, message}}`; a field that fails its schema is a 400 `invalid_request` whose message names it (`limits.fuel: …`), an unknown " +
    "field included; a field over a size or count cap is a 413 `payload_too_large` naming it.",
};

const TAGS = [
  { name: "runs", description: "Ad-hoc runs and the languages they may use" },
  { name: "scripts", description: "Deployed scripts: versions, rollback, invocation" },
  { name: "secrets", description: "A tenant's secrets, sealed at rest" },
  { name: "components", description: "Callers' own WebAssembly components" },
  { name: "logs", description: "The tenant's live log stream" },
  { name: "tenants", description: "Tenants and their tokens (admin)" },
  { name: "meta", description: "Health, this document and its reference page" },
];

/**
 * `GET /openapi.json` (no token): the document of every route declared with `defineRoute` (validation.ts)
 * on `app` or a router mounted on it, with the two bearer schemes. Made once, on the first request,
 * after every route is in place.
 */
export function openApiRoutes(app: OpenAPIHono<KilnEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "tenantToken", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "A tenant's token: an HS256 JWT naming the tenant and its scopes (run, deploy, logs), from POST /v1/tenants or the CLI. It always expires.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "The admin token (KILN_ADMIN_TOKEN): manages tenants and their tokens only.",
  });
  let document: unknown;
  defineRoute(app, documentRoute, (c) => c.json((document ??= openApiDocument(app)) as object));
}

/** The OpenAPI 3.1 document of `app`'s routes. */
export function openApiDocument(app: OpenAPIHono<KilnEnv>) {
  return app.getOpenAPI31Document({ openapi: "3.1.0", info: INFO, tags: TAGS });
}
