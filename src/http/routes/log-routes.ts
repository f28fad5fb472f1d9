import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { LogEvent } from "../../platform/log-bus.ts";
import type { AppContext } from "../app-context.ts";
import { requireTenant, type KilnEnv } from "../authenticate.ts";

/** `GET /v1/logs/stream` (`logs` scope): the token's tenant's live log events as server-sent events, `?script=` to filter. */
export function logRoutes(ctx: AppContext): Hono<KilnEnv> {
  const { platform } = ctx;
  const app = new Hono<KilnEnv>();
  app.get("/logs/stream", async (c) => {
    const tenant = await requireTenant(c, platform, "logs");
    const script = c.req.query("script");
    return streamSSE(c, async (stream) => {
      const queue: LogEvent[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = await platform.logs.subscribe(tenant.id, (event) => {
        if (script && event.script !== script) return;
        queue.push(event);
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      await stream.writeSSE({ event: "ready", data: JSON.stringify({ tenant: tenant.id, script: script ?? null }) });
      while (!stream.aborted) {
        const event = queue.shift();
        if (event) {
          await stream.writeSSE({ event: "log", data: JSON.stringify(event) });
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 15_000);
        });
        if (!queue.length && !stream.aborted) await stream.writeSSE({ event: "ping", data: "" });
      }
      unsubscribe();
    });
  });
  return app;
}
