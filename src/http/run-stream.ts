import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { OutputEvent, RunOptions } from "../engine/engine.ts";
import { RequestError } from "../errors.ts";
import { serverLog } from "../server-log.ts";
import type { KilnEnv } from "./authenticate.ts";
import { z } from "./validation.ts";

/** Whether the request asked for `text/event-stream` (its `Accept` lists it). */
export function wantsEventStream(c: Context<KilnEnv>): boolean {
  return (c.req.header("accept") ?? "").split(",").some((type) => type.split(";")[0]!.trim().toLowerCase() === "text/event-stream");
}

/** The 200 response of a run route: its JSON body, and the same as a stream of server-sent events (the second content type). */
export function runResponse<R extends { description: string; content: { "application/json": object } }>(json: R) {
  return { ...json, content: { ...json.content, "text/event-stream": { schema: z.string().meta({ description: EVENT_STREAM_DESCRIPTION }) } } };
}

const EVENT_STREAM_DESCRIPTION =
  "With `Accept: text/event-stream`: server-sent events as the run goes: `stdout` and `stderr` (`{\"text\"}`, the chunks a stream's output cap kept) and `log` (`{\"level\",\"message\"}`), then one `result` whose data is the JSON body this route answers without the header. A host failure mid-stream is an `error` event (`{\"error\":{\"code\":\"internal_error\",\"message\"}}`). A request refused before its run starts answers its JSON 4xx as usual.";

/**
 * Answers a run: its JSON body, or, when the request asked for `text/event-stream`, its output as it
 * happens and then the same body as a `result` event. `start` begins the run (admission checks first)
 * and resolves to the body.
 *
 * The stream opens only once the run has shown output or ended: a refusal before that (auth,
 * validation, not found, rate limit, quarantine, a full queue) is still thrown, and answered as JSON by
 * the app's error handler. The guest never waits for the client: events wait here, in memory, bounded
 * by the run's output and log caps, while the client reads.
 */
export async function respondWithRun(c: Context<KilnEnv>, start: (onOutput?: RunOptions["onOutput"]) => Promise<unknown>): Promise<Response> {
  if (!wantsEventStream(c)) return c.json((await start()) as object);
  const queue: OutputEvent[] = [];
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  let ended: { body: unknown } | { error: unknown } | undefined;
  const running = start((event) => {
    queue.push(event);
    notify();
  }).then(
    (body) => (ended = { body }),
    (error: unknown) => (ended = { error }),
  );
  void running.then(notify);
  // Before any output, wait: a refusal is still a plain JSON error.
  if (!queue.length) await Promise.race([running, new Promise<void>((resolve) => (wake = resolve))]);
  if (!queue.length && ended && "error" in ended) throw ended.error;
  return streamSSE(c, async (stream) => {
    try {
      for (;;) {
        while (queue.length && !stream.aborted) {
          const event = queue.shift()!;
          const data = event.stream === "log" ? { level: event.level, message: event.message } : { text: event.text };
          await stream.writeSSE({ event: event.stream, data: JSON.stringify(data) });
        }
        if (stream.aborted) return;
        if (ended) break;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      if ("body" in ended) {
        await stream.writeSSE({ event: "result", data: JSON.stringify(ended.body) });
        return;
      }
      const error = ended.error;
      if (!(error instanceof RequestError)) serverLog("error", `host error on ${c.req.method} ${c.req.path} (streamed)`, { error, requestId: c.get("requestId") });
      const described = error instanceof RequestError ? { code: error.code, message: error.message } : { code: "internal_error", message: "Internal error; it has been logged" };
      await stream.writeSSE({ event: "error", data: JSON.stringify({ error: described }) });
    } catch (e) {
      // The client went away mid-write: nobody reads the rest. The run itself goes on to its end.
      if (!stream.aborted && !stream.closed) serverLog("error", "writing a streamed run failed", { error: e });
    }
  });
}
