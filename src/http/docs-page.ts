import type { OpenAPIHono } from "@hono/zod-openapi";
import { RequestError } from "../errors.ts";
import type { KilnEnv } from "./authenticate.ts";
import { openApiDocument } from "./openapi-document.ts";
import { createRoute, defineRoute, errorResponses, z } from "./validation.ts";

/** Swagger UI's browser bundle and stylesheet (npm `swagger-ui-dist`), as the adapter that serves the app could load them. */
export interface DocsAssets {
  script: string;
  stylesheet: string;
}

/** Loads the docs assets once, when `/docs` is first asked for. */
export type LoadDocsAssets = () => Promise<DocsAssets>;

const INIT = `window.ui = SwaggerUIBundle({ url: "./openapi.json", dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: false });\n`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kiln API reference</title>
<link rel="stylesheet" href="./docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="./docs/swagger-ui-bundle.js"></script>
<script src="./docs/init.js"></script>
</body>
</html>
`;

const ASSETS = ["swagger-ui-bundle.js", "swagger-ui.css", "init.js"] as const;

const pageRoute = createRoute({
  method: "get",
  path: "/docs",
  summary: "An interactive reference of this API",
  description: "Swagger UI over /openapi.json, its script served by Kiln itself (no CDN). Where the adapter has no copy of the script (the edge runtimes), a plain page listing the routes.",
  tags: ["meta"],
  security: [],
  responses: { 200: { description: "The reference page", content: { "text/html": { schema: z.string() } } } },
});

const assetRoute = createRoute({
  method: "get",
  path: "/docs/{asset}",
  summary: "The reference page's script and stylesheet",
  tags: ["meta"],
  security: [],
  request: { params: z.strictObject({ asset: z.enum(ASSETS).meta({ param: { name: "asset", in: "path" } }) }) },
  responses: {
    200: { description: "The asset", content: { "text/javascript": { schema: z.string() }, "text/css": { schema: z.string() } } },
    ...errorResponses(404),
  },
});

const escape = (text: string) => text.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The page without Swagger UI: each route, and the link to the document. */
function plainPage(app: OpenAPIHono<KilnEnv>): string {
  const rows: string[] = [];
  for (const [path, item] of Object.entries(openApiDocument(app).paths ?? {})) {
    for (const [method, op] of Object.entries(item as Record<string, { summary?: string }>)) {
      rows.push(`<li><code>${method.toUpperCase()} ${escape(path)}</code> ${escape(op.summary ?? "")}</li>`);
    }
  }
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Kiln API reference</title></head>
<body>
<h1>Kiln API</h1>
<p>The full contract is the OpenAPI 3.1 document at <a href="./openapi.json">/openapi.json</a>.</p>
<ul>
${rows.join("\n")}
</ul>
</body>
</html>
`;
}

/** `GET /docs` and its assets (no token). */
export function docsRoutes(app: OpenAPIHono<KilnEnv>, load: LoadDocsAssets | undefined): void {
  let plain: string | undefined;
  defineRoute(app, pageRoute, (c) => c.html(load ? PAGE : (plain ??= plainPage(app))));
  defineRoute(app, assetRoute, async (c, valid) => {
    let asset: (typeof ASSETS)[number];
    try {
      asset = (await valid()).params.asset;
    } catch {
      throw new RequestError("not_found", `No route for ${c.req.method} ${c.req.path}`);
    }
    if (!load) throw new RequestError("not_found", `No route for ${c.req.method} ${c.req.path}`);
    const assets = await load();
    c.header("Cache-Control", "public, max-age=3600");
    if (asset === "swagger-ui.css") return c.body(assets.stylesheet, 200, { "Content-Type": "text/css; charset=utf-8" });
    return c.body(asset === "init.js" ? INIT : assets.script, 200, { "Content-Type": "text/javascript; charset=utf-8" });
  });
}
