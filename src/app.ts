import { OpenAPIHono } from "@hono/zod-openapi";
import type { Hono } from "hono";
import type { GetConnInfo } from "hono/conninfo";
import type { Config } from "./config.ts";
import type { ComponentChecker } from "./engine/component/component-checker.ts";
import type { Engine } from "./engine/engine.ts";
import { authenticate, type KilnEnv } from "./http/authenticate.ts";
import { bodyLimit } from "./http/body-limit.ts";
import { docsRoutes, type LoadDocsAssets } from "./http/docs-page.ts";
import { playgroundRoutes, type LoadPlaygroundAssets } from "./http/playground-page.ts";
import { healthRoutes } from "./http/health-routes.ts";
import { createOnError, type Logger } from "./http/on-error.ts";
import { openApiRoutes } from "./http/openapi-document.ts";
import { logRoutes } from "./http/routes/log-routes.ts";
import { componentRoutes } from "./http/routes/component-routes.ts";
import { devRoutes } from "./http/routes/dev-routes.ts";
import { runRoutes } from "./http/routes/run-routes.ts";
import { runHistoryRoutes } from "./http/routes/run-history-routes.ts";
import { replayRoutes } from "./http/routes/replay-routes.ts";
import { usageRoutes } from "./http/routes/usage-routes.ts";
import { scriptRoutes } from "./http/routes/script-routes.ts";
import { secretRoutes } from "./http/routes/secret-routes.ts";
import { tenantRoutes } from "./http/routes/tenant-routes.ts";
import { mountPistonRoutes } from "./http/routes/piston-routes.ts";
import { judge0Routes } from "./http/routes/judge0-routes.ts";
import type { SubmissionQueue } from "./platform/submission-queue.ts";
import type { HttpTransport } from "./capabilities/http-transport.ts";
import type { UpgradeWebSocket } from "hono/ws";
import { LanguageRegistry } from "./platform/language-registry.ts";
import type { Platform } from "./platform/platform.ts";
import { Runs } from "./platform/runs.ts";
import type { Metrics } from "./platform/metrics.ts";
import { requestIds, requestLog } from "./http/request-log.ts";
import { countRequests, metricsRoutes } from "./http/routes/metrics-routes.ts";

export interface AppDependencies {
  config: Config;
  engines: readonly Engine[];
  platform: Platform;
  logger?: Logger;
  /** Checks callers' components on upload; without it `POST /v1/components` is `not_supported`. */
  components?: ComponentChecker;
  /** The connection's address, from the adapter that serves the app; `GET /dev/token` needs it to tell loopback callers (without it, that route is absent). */
  connInfo?: GetConnInfo;
  /** Swagger UI's script and stylesheet for `GET /docs`, where the adapter can load them; without them `/docs` is a plain page. */
  docs?: LoadDocsAssets;
  /** The playground's bundled script and stylesheet for `GET /`, where the adapter has them; without them `/` says how to build them. */
  playground?: LoadPlaygroundAssets;
  /** Upgrades a request to a WebSocket, where the adapter can (Node): without it, Piston's `/api/v2/connect` is absent. */
  upgradeWebSocket?: UpgradeWebSocket;
  /** Where Judge0 submissions are kept and queued (the adapter's durable queue, run by its consumer loop); without it, in memory, run in this process. */
  submissions?: SubmissionQueue;
  /** Sends Judge0's `callback_url` requests under the guest `http` policy; without it, callbacks are refused. */
  http?: HttpTransport;
  /** Counts runs and requests and serves `GET /metrics` (admin token), where the adapter has an implementation (Node: prom-client); without it, the route is absent. */
  metrics?: Metrics;
}

/**
 * Builds the Kiln HTTP app. It speaks only Web standards; adapters serve it. Every /v1 route needs a
 * bearer token. Every route is declared with its schemas (src/http/validation.ts), and
 * `GET /openapi.json` is the document they make.
 */
export function createApp(deps: AppDependencies): Hono<KilnEnv> {
  const { config, platform } = deps;
  const languages = new LanguageRegistry(deps.engines, { maxMemoryMb: config.maxima.memoryMb });
  const ctx = { config, platform, languages, runs: new Runs({ config, languages, platform, metrics: deps.metrics }), components: deps.components };
  const app = new OpenAPIHono<KilnEnv>();
  app.onError(createOnError(deps.logger ?? console));
  app.notFound((c) => c.json({ error: { code: "not_found", message: `No route for ${c.req.method} ${c.req.path}` } }, 404));
  // First: every request gets its id, and (where the adapter logs) one line and (where it counts) its count once it is answered.
  app.use(requestIds());
  if (deps.logger?.info) app.use(requestLog(deps.logger));
  if (deps.metrics) app.use(countRequests(deps.metrics));

  healthRoutes(app);
  openApiRoutes(app);
  docsRoutes(app, deps.docs);
  if (deps.metrics) metricsRoutes(app, platform, deps.metrics);
  playgroundRoutes(app, config, deps.playground);
  app.route("/", devRoutes(ctx, deps.connInfo));
  const bodyLimits = { json: bodyLimit<KilnEnv>(config.maxBodyBytes, { text: true }), component: bodyLimit<KilnEnv>(config.maxComponentBytes, { text: false }) };
  app.use("/v1/*", (c, next) => (c.req.path === "/v1/components" ? bodyLimits.component : bodyLimits.json)(c, next), authenticate(platform));
  for (const routes of [runRoutes, scriptRoutes, secretRoutes, tenantRoutes, logRoutes, componentRoutes, runHistoryRoutes, replayRoutes, usageRoutes]) app.route("/v1", routes(ctx));
  mountPistonRoutes(app, ctx, deps.upgradeWebSocket);
  // Judge0's API is a compatibility facade in Judge0's shapes, mounted whole: not part of `GET /openapi.json`.
  app.mount("/judge0", judge0Routes(ctx, { queue: deps.submissions, http: deps.http, logger: deps.logger ?? console }).fetch);
  return app;
}
