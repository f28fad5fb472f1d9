import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { RequestError } from "../errors.ts";
import type { KilnEnv } from "./authenticate.ts";
import { createRoute, defineRoute, errorResponses, z } from "./validation.ts";

/** The playground's browser bundle and stylesheet (src/playground/, bundled by esbuild when Kiln is installed), as the adapter that serves the app loads them. */
export interface PlaygroundAssets {
  script: string;
  stylesheet: string;
}

/** Loads the playground's assets once, when `/` is first asked for. */
export type LoadPlaygroundAssets = () => Promise<PlaygroundAssets>;

/** The bundle's files in its folder of KILN_CACHE_DIR (`playground/`), where the Node adapter writes them at install. */
export const PLAYGROUND_FILES = { script: "playground/playground.js", stylesheet: "playground/playground.css" } as const;

/**
 * The assets read from KILN_CACHE_DIR by an adapter's `read` (a file's text from its path in the
 * cache), once; a failure (no bundle there yet) is retried at the next request.
 */
export function cachedPlaygroundAssets(read: (file: string) => Promise<string>): LoadPlaygroundAssets {
  let assets: Promise<PlaygroundAssets> | undefined;
  return () =>
    (assets ??= Promise.all([read(PLAYGROUND_FILES.script), read(PLAYGROUND_FILES.stylesheet)])
      .then(([script, stylesheet]) => ({ script, stylesheet }))
      .catch((error: unknown) => {
        assets = undefined;
        throw error;
      }));
}

const ASSETS = ["playground.js", "playground.css"] as const;

const pageRoute = createRoute({
  method: "get",
  path: "/",
  summary: "The playground: an editor to run code, deploy scripts and follow logs",
  description: "A static page whose script (bundled with esbuild at install time, no CDN) calls this API. Where the adapter has no bundle, a page saying how to make one.",
  tags: ["meta"],
  security: [],
  responses: { 200: { description: "The playground page", content: { "text/html": { schema: z.string() } } } },
});

const assetRoute = createRoute({
  method: "get",
  path: "/playground/{asset}",
  summary: "The playground's script and stylesheet",
  description: "`?v=` is the content's hash, so a new bundle is never served from a stale cache.",
  tags: ["meta"],
  security: [],
  request: {
    params: z.strictObject({ asset: z.enum(ASSETS).meta({ param: { name: "asset", in: "path" } }) }),
    query: z.object({ v: z.string().max(64).optional() }),
  },
  responses: {
    200: { description: "The asset", content: { "text/javascript": { schema: z.string() }, "text/css": { schema: z.string() } } },
    ...errorResponses(404),
  },
});

/** The first 16 hex digits of the SHA-256 of the assets: the version in their URLs. */
async function versionOf(assets: PlaygroundAssets): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${assets.script}\0${assets.stylesheet}`));
  return [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** JSON inside a `<script>` element: no `<` that could close it. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

function page(config: Config, version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kiln playground</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/playground/playground.css?v=${version}">
<script type="application/json" id="kiln-limits">${scriptJson({ defaults: config.defaults, maxima: config.maxima })}</script>
<script type="module" src="/playground/playground.js?v=${version}"></script>
</head>
<body>
<header>
<h1>Kiln playground</h1>
<nav role="tablist">
<button type="button" role="tab" data-tab="run" id="tab-run">Run</button>
<button type="button" role="tab" data-tab="deploy" id="tab-deploy">Deploy</button>
<button type="button" role="tab" data-tab="logs" id="tab-logs">Logs</button>
</nav>
<a href="/docs">API reference</a>
<form id="token-form" hidden><input id="token" type="password" placeholder="tenant token" autocomplete="off" aria-label="Tenant token"><button type="submit">Use token</button></form>
<span id="token-state"></span>
</header>
<main>
<section>
<div class="toolbar">
<select id="language" aria-label="Language"></select>
<button type="button" id="run">Run</button>
<span class="hint">Ctrl/⌘ + Enter</span>
<span id="language-version"></span>
</div>
<div id="editor"></div>
<div class="fields">
<label>input (JSON)<textarea id="input" spellcheck="false">{"name": "Kiln"}</textarea></label>
<label>stdin<textarea id="stdin" spellcheck="false"></textarea></label>
<label>args (one per line)<textarea id="args" spellcheck="false"></textarea></label>
<fieldset><legend>limits</legend>
<label>fuel<input id="limit-fuel" type="number" min="1"></label>
<label>memory (MiB)<input id="limit-memory" type="number" min="1"></label>
<label>timeout (ms)<input id="limit-timeout" type="number" min="1"></label>
</fieldset>
</div>
</section>
<section>
<div class="panel" id="panel-run"><span id="status"></span></div>
<div class="panel" id="panel-deploy" hidden>
<div class="row">
<label>script name<input id="deploy-name" placeholder="pricing"></label>
<button type="button" id="deploy">Deploy</button>
<button type="button" id="invoke">Invoke</button>
<button type="button" id="list-versions">Versions</button>
</div>
<p id="deploy-state"></p>
<ol id="versions"></ol>
</div>
<div class="panel" id="panel-logs" hidden>
<p>Following <code>/v1/logs/stream</code>: <span id="logs-state"></span></p>
<ol id="logs"></ol>
</div>
<div id="output">
<div id="error" hidden></div>
<div class="bars">
<div class="bar" id="bar-fuel"><span>fuel</span><div class="track"><div class="fill"></div></div><span class="value"></span></div>
<div class="bar" id="bar-memory"><span>memory</span><div class="track"><div class="fill"></div></div><span class="value"></span></div>
<div class="bar" id="bar-wall"><span>wall time</span><div class="track"><div class="fill"></div></div><span class="value"></span></div>
<div>start: <span id="start"></span></div>
</div>
<h2>result</h2><pre id="result"></pre>
<h2>stdout</h2><pre id="stdout"></pre>
<h2>stderr</h2><pre id="stderr"></pre>
<h2>logs</h2><ul id="run-logs"></ul>
</div>
</section>
</main>
</body>
</html>
`;
}

const NOT_BUILT = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Kiln</title></head>
<body>
<h1>Kiln</h1>
<p>This server has no playground bundle (<code>npm ci</code> or <code>npm start</code> builds it on Node). The API reference is at <a href="/docs">/docs</a>.</p>
</body>
</html>
`;

/** `GET /` (the playground) and its assets (no token: the page asks for one). */
export function playgroundRoutes(app: OpenAPIHono<KilnEnv>, config: Config, load: LoadPlaygroundAssets | undefined): void {
  let version: Promise<string> | undefined;
  const loaded = async () => {
    const assets = await load!();
    return { assets, version: await (version ??= versionOf(assets)) };
  };
  defineRoute(app, pageRoute, async (c) => (load ? c.html(page(config, (await loaded()).version)) : c.html(NOT_BUILT)));
  defineRoute(app, assetRoute, async (c, valid) => {
    let asset: (typeof ASSETS)[number];
    let requested: string | undefined;
    try {
      const { params, query } = await valid();
      asset = params.asset;
      requested = query.v;
    } catch {
      throw new RequestError("not_found", `No route for ${c.req.method} ${c.req.path}`);
    }
    if (!load) throw new RequestError("not_found", `No route for ${c.req.method} ${c.req.path}`);
    const { assets, version: current } = await loaded();
    c.header("Cache-Control", requested === current ? "public, max-age=31536000, immutable" : "no-cache");
    if (asset === "playground.css") return c.body(assets.stylesheet, 200, { "Content-Type": "text/css; charset=utf-8" });
    return c.body(assets.script, 200, { "Content-Type": "text/javascript; charset=utf-8" });
  });
}
