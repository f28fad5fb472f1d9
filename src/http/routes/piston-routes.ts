import { bodyLimit } from "../body-limit.ts";
import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { mount } from "hono/mount";
import type { UpgradeWebSocket } from "hono/ws";
import { RequestError } from "../../errors.ts";
import type { Tenant } from "../../platform/platform-store.ts";
import type { AppContext } from "../app-context.ts";
import type { KilnEnv } from "../authenticate.ts";
import { pistonConnection } from "../piston/piston-connect.ts";
import { parsePistonExecute } from "../piston/piston-request.ts";
import { matchRuntime, pistonRuntimes, type PistonRuntime } from "../piston/piston-runtimes.ts";
import { pistonStage, type PistonStage } from "../piston/piston-status.ts";
import { pistonTenant } from "../piston/piston-tenant.ts";

/** Where the routes live: with the tenant token in the path (for clients that cannot send headers), and without. */
const PREFIXES = ["/piston/:token/api/v2", "/api/v2"] as const;

/**
 * Mounts Piston's API on the app as an application of its own, under `/api/v2/*` and `/piston/*`. It
 * is a compatibility facade, not part of Kiln's published contract: its routes are left out of
 * `GET /openapi.json` (whose document lists every route of the app itself), and everything under
 * those prefixes answers in Piston's shapes, its 404 included.
 */
export function mountPistonRoutes(app: Hono<KilnEnv>, ctx: AppContext, upgradeWebSocket?: UpgradeWebSocket): void {
  const piston = pistonRoutes(ctx, upgradeWebSocket);
  const handler = mount(piston.fetch, { replaceRequest: false });
  for (const prefix of ["/api/v2", "/piston"]) app.all(`${prefix}/*`, handler);
}

/**
 * Piston v2's API (engineer-man/piston `api/src/api/v2.js`): `GET /runtimes`, `POST /execute` and
 * the WebSocket `GET /connect` (where the adapter can upgrade: `upgradeWebSocket`), under `/api/v2`
 * and `/piston/<token>/api/v2`. Bodies are JSON whatever their Content-Type (piston-client sends
 * text/plain). Every error, Kiln's own included (401, 403, 413, 429, 503), is Piston's `{message}`
 * with its status; an unknown route is Piston's 404 `{message:"Not Found"}`.
 */
export function pistonRoutes(ctx: AppContext, upgradeWebSocket?: UpgradeWebSocket): Hono<KilnEnv> {
  const { config, languages, platform, runs } = ctx;
  const runtimes = pistonRuntimes(languages.list());
  const app = new Hono<KilnEnv>();
  // A host bug is rethrown: the app that mounts this one logs it and answers 500.
  app.onError((err, c) => {
    if (err instanceof RequestError) {
      if (err.status === 401) c.header("WWW-Authenticate", 'Bearer realm="kiln"');
      if (err.retryAfter !== undefined) c.header("Retry-After", String(Math.ceil(err.retryAfter)));
      return c.json({ message: err.message }, err.status);
    }
    if (err instanceof HTTPException && err.status < 500) return c.json({ message: err.message || "Bad request" }, err.status);
    throw err;
  });

  const findRuntime = (language: string, version: string): PistonRuntime => {
    const runtime = matchRuntime(runtimes, language, version);
    if (!runtime) throw new RequestError("invalid_request", `${language}-${version} runtime is unknown`);
    return runtime;
  };
  /** Checks a request (an execute body or an init message) and gives what runs it. */
  const prepare = (tenant: Tenant, body: unknown, stdinFromBody: boolean) => {
    const job = parsePistonExecute(body, config, findRuntime);
    const { runtime } = job;
    return {
      language: runtime.language,
      version: runtime.version,
      run: async (stdin: string): Promise<PistonStage> => {
        const text = stdinFromBody ? job.stdin : stdin;
        const outcome = await runs.run(tenant, {
          language: runtime.language,
          code: job.code,
          inputJson: "null",
          asProgram: true,
          grants: {},
          limits: job.limits,
          ...(text !== "" && { stdin: text }),
          ...(job.args.length > 0 && { args: job.args }),
          ...(job.files.length > 0 && { files: job.files }),
        });
        return pistonStage(outcome);
      },
    };
  };
  const tenantOf = (c: Context<KilnEnv>) => pistonTenant(c, { config, platform }, c.req.param("token"));
  const limit = bodyLimit<KilnEnv>(config.maxBodyBytes, { text: true });

  for (const prefix of PREFIXES) {
    // The list of runtimes needs no valid token (it is no secret), so piston-client, which reads it before every execute, gets to the execute's own answer about a bad token.
    app.get(`${prefix}/runtimes`, (c) => c.json(runtimes));
    app.post(`${prefix}/execute`, limit, async (c) => {
      const tenant = await tenantOf(c);
      const text = await c.req.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (e) {
        throw new RequestError("invalid_json", `The body is not JSON: ${(e as Error).message}`);
      }
      const job = prepare(tenant, body, true);
      const run = await job.run("");
      return c.json({ language: job.language, version: job.version, run });
    });
    if (upgradeWebSocket) {
      app.get(`${prefix}/connect`, async (c) => {
        const tenant = await tenantOf(c);
        if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new RequestError("invalid_request", "This route is a WebSocket: connect with Upgrade: websocket");
        const events = pistonConnection({ prepare: (init) => prepare(tenant, init, false) }, (e) => console.error("piston connect: host error", e));
        return upgradeWebSocket(c, events);
      });
    }
  }
  app.notFound((c) => c.json({ message: "Not Found" }, 404));
  return app;
}
