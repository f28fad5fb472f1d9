import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Config } from "./config.ts";
import type { Engine } from "./engine/engine.ts";
import { RequestError } from "./errors.ts";
import { createOnError, type Logger } from "./http/on-error.ts";
import { parseRunRequest } from "./http/run-request.ts";
import { resolveGrants } from "./host/grants.ts";
import { LanguageRegistry } from "./languages/language-registry.ts";
import { resolveLimits } from "./limits/run-limits.ts";

export interface AppDependencies {
  config: Config;
  engines: readonly Engine[];
  logger?: Logger;
}

/** Builds the Kiln HTTP app. It speaks only Web standards; adapters serve it. */
export function createApp(deps: AppDependencies): Hono {
  const { config } = deps;
  const languages = new LanguageRegistry(deps.engines);
  const app = new Hono();
  app.onError(createOnError(deps.logger ?? console));
  app.notFound((c) => c.json({ error: { code: "not_found", message: `No route for ${c.req.method} ${c.req.path}` } }, 404));

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/v1/languages", (c) => c.json({ languages: languages.list() }));

  app.post(
    "/v1/run",
    bodyLimit({
      maxSize: config.maxBodyBytes,
      onError: () => {
        throw new RequestError("payload_too_large", `The request body is larger than ${config.maxBodyBytes} bytes`);
      },
    }),
    async (c) => {
      const request = parseRunRequest(await c.req.text(), config);
      const { info, engine } = languages.resolve(request.language);
      const outcome = await engine.run({
        language: info.name,
        code: request.code,
        inputJson: request.inputJson,
        limits: resolveLimits(request.limits, config),
        host: { grants: resolveGrants(request.grants, config.grants), limits: config.hostLimits },
      });
      return c.json(outcome);
    },
  );
  return app;
}
