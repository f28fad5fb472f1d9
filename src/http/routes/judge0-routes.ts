import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { RequestError } from "../../errors.ts";
import type { Tenant } from "../../platform/platform-store.ts";
import { parseFields, serializeSubmission, type SubmissionField } from "../../platform/submission-fields.ts";
import type { HttpTransport } from "../../capabilities/http-transport.ts";
import { MemorySubmissionQueue } from "../../platform/submission-memory-queue.ts";
import { SubmissionDrain } from "../../platform/submission-drain.ts";
import { DEFAULT_MAX_ATTEMPTS, type Submission, type SubmissionQueue } from "../../platform/submission-queue.ts";
import { SubmissionRunner } from "../../platform/submission-runner.ts";
import { SUBMISSION_STATUSES } from "../../platform/submission-status.ts";
import { tenantScopes } from "../../platform/tenants.ts";
import type { AppContext } from "../app-context.ts";
import { createOnError, type Logger } from "../on-error.ts";
import { parseSubmission } from "../judge0/judge0-request.ts";

/** Judge0's batch limit (MAX_SUBMISSION_BATCH_SIZE). */
const MAX_BATCH = 20;
/** What Rails answers for a record that is not there. */
const NOT_FOUND = { error: "Not Found", status: 404 };

type Variables = { Variables: { tenant: Tenant } };

/**
 * Judge0 CE v1.13.1's API, under `/judge0`: submissions (single and batch, `wait`, `base64_encoded`,
 * `fields`), languages, statuses and `about`, with Judge0's status codes and error bodies
 * (`{error}`, 422 `{field: [message]}`). `X-Auth-Token` carries a Kiln tenant token with the `run`
 * scope; runs go through `Runs`, so the tenant's rate limit and quarantine apply. Asynchronous
 * submissions go on `queue`, which a consumer on any node runs (`SubmissionConsumer`, started by the
 * Node adapter); without one, on a queue in memory drained in this process.
 */
export function judge0Routes(ctx: AppContext, deps: { queue?: SubmissionQueue; http?: HttpTransport; logger: Logger }): Hono<Variables> {
  const { config, platform } = ctx;
  const runner = new SubmissionRunner({ config, platform, runs: ctx.runs, languages: ctx.languages, transport: deps.http });
  // Without the adapter's durable queue (and its consumer loop), submissions wait in memory and run in this process.
  const memory = deps.queue ? undefined : new MemorySubmissionQueue({ leaseMs: config.submissions.leaseMs, resultTtlSeconds: config.submissions.resultTtlSeconds, maxAttempts: DEFAULT_MAX_ATTEMPTS });
  const queue = deps.queue ?? memory!;
  const drain = memory && new SubmissionDrain({ queue: memory, runner, leaseMs: config.submissions.leaseMs, onError: (e) => deps.logger.error("judge0 submission", e) });
  const app = new Hono<Variables>();
  const kilnError = createOnError(deps.logger);
  app.onError((err, c) => {
    if (err instanceof RequestError) {
      if (err.retryAfter !== undefined) c.header("Retry-After", String(Math.ceil(err.retryAfter)));
      return c.json({ error: err.message }, err.status);
    }
    return kilnError(err, c);
  });
  app.notFound((c) => c.json(NOT_FOUND, 404));
  app.use(
    "*",
    bodyLimit({ maxSize: config.maxBodyBytes, onError: (c) => c.json({ error: `request body is larger than ${config.maxBodyBytes} bytes` }, 413) }),
    async (c, next) => {
      const token = c.req.header("x-auth-token");
      const principal = await platform.authority.verify(token ? `Bearer ${token}` : c.req.header("authorization"));
      if (principal.kind !== "tenant") throw new RequestError("forbidden", "This route needs a tenant token");
      if (!principal.scopes.includes("run")) throw new RequestError("forbidden", "The token lacks the 'run' scope");
      const tenant = await platform.store.getTenant(principal.tenantId);
      if (!tenant) throw new RequestError("unauthorized", "The token's tenant does not exist");
      if (!tenantScopes(tenant).includes("run")) throw new RequestError("forbidden", "The tenant no longer has the 'run' scope");
      c.set("tenant", tenant);
      await next();
    },
  );

  const languageOf = (id: number) => runner.language(id);
  const render = (s: Submission, fields: readonly SubmissionField[], base64: boolean) => serializeSubmission(s, { fields, base64, language: languageOf(s.request.language_id) });
  /** `fields` checked as Judge0's `check_requested_fields` does; a Response when some are unknown. */
  const fieldsOf = (c: Context) => {
    const parsed = parseFields(c.req.query("fields"));
    return parsed.invalid.length ? { refusal: c.json({ error: `invalid fields: [${parsed.invalid.join(", ")}]` }, 400) } : { fields: parsed.fields };
  };
  const body = async (c: Context): Promise<unknown> => {
    try {
      return await c.req.json();
    } catch {
      throw new RequestError("invalid_json", "the request body is not valid JSON");
    }
  };
  const queueHasRoom = async (n: number) => (await queue.pending()) + n <= config.maxQueue;
  const newSubmission = (tenant: Tenant, request: Submission["request"]): Submission => ({
    token: crypto.randomUUID(),
    tenantId: tenant.id,
    request,
    status_id: 1,
    created_at: new Date().toISOString(),
    started_at: null,
    finished_at: null,
    result: null,
  });

  app.get("/statuses", (c) => c.json(SUBMISSION_STATUSES));
  app.get("/languages", (c) => c.json(runner.languages().map(({ id, name }) => ({ id, name }))));
  app.get("/languages/all", (c) => c.json(runner.languages().map(({ id, name, is_archived }) => ({ id, name, is_archived }))));
  app.get("/languages/:id", (c) => {
    const found = /^\d+$/.test(c.req.param("id")) ? languageOf(Number(c.req.param("id"))) : undefined;
    if (!found) return c.json(NOT_FOUND, 404);
    const { kiln: _kiln, ...language } = found;
    return c.json(language);
  });
  app.get("/about", (c) =>
    c.json({ version: "1.13.1", homepage: "https://github.com/judge0/judge0", source_code: "https://github.com/judge0/judge0", maintainer: "Kiln (a Judge0 CE v1.13.1 compatible API)" }),
  );

  app.post("/submissions/batch", async (c) => {
    if (c.req.query("wait") === "true") return c.json({ error: "wait not allowed" }, 400);
    const tenant = c.get("tenant");
    const raw = await body(c);
    const list = typeof raw === "object" && raw !== null && Array.isArray((raw as { submissions?: unknown }).submissions) ? ((raw as { submissions: unknown[] }).submissions) : [];
    if (list.length > MAX_BATCH) return c.json({ error: `number of submissions in a batch should be less than or equal to ${MAX_BATCH}` }, 400);
    if (list.length === 0) return c.json({ error: "there should be at least one submission in a batch" }, 400);
    if (!(await queueHasRoom(list.length))) return c.json({ error: "queue is full" }, 503);
    const base64 = c.req.query("base64_encoded") === "true";
    const parsed = list.map((item) => parseSubmission(item, { base64, config, runner, tenant }));
    const accepted = parsed.flatMap((p) => ("request" in p ? [newSubmission(tenant, p.request)] : []));
    await queue.enqueue(accepted);
    if (accepted.length) drain?.kick();
    let next = 0;
    const answer = parsed.map((p) => ("request" in p ? { token: accepted[next++]!.token } : p.errors));
    return c.json(answer, accepted.length ? 201 : 422);
  });

  app.get("/submissions/batch", async (c) => {
    const tenant = c.get("tenant");
    const tokens = (c.req.header("tokens") ?? c.req.query("tokens") ?? "").trim().split(",").filter((t) => t !== "");
    if (tokens.length > MAX_BATCH) return c.json({ error: `number of submissions in a batch should be less than or equal to ${MAX_BATCH}` }, 400);
    if (tokens.length === 0) return c.json({ error: "there should be at least one submission in a batch" }, 400);
    const requested = fieldsOf(c);
    if ("refusal" in requested) return requested.refusal;
    const base64 = c.req.query("base64_encoded") === "true";
    const found = await queue.get(tokens);
    return c.json({ submissions: found.map((s) => (s && s.tenantId === tenant.id ? render(s, requested.fields, base64) : null)) });
  });

  app.post("/submissions", async (c) => {
    const tenant = c.get("tenant");
    const wait = c.req.query("wait") === "true";
    if (!(await queueHasRoom(1))) return c.json({ error: "queue is full" }, 503);
    const requested = fieldsOf(c);
    if ("refusal" in requested) return requested.refusal;
    const base64 = c.req.query("base64_encoded") === "true";
    const parsed = parseSubmission(await body(c), { base64, config, runner, tenant });
    if ("errors" in parsed) return c.json(parsed.errors, 422);
    const submission = newSubmission(tenant, parsed.request);
    if (!wait) {
      await queue.enqueue([submission]);
      drain?.kick();
      return c.json({ token: submission.token }, 201);
    }
    const started_at = new Date().toISOString();
    const result = await runner.run(tenant, parsed.request);
    const finished: Submission = { ...submission, status_id: result.status_id, result, started_at, finished_at: new Date().toISOString() };
    await queue.store(finished);
    if (finished.request.callback_url) void runner.callback(tenant, finished).catch((e) => deps.logger.error("judge0 callback failed", e));
    return c.json(render(finished, requested.fields, base64), 201);
  });

  app.get("/submissions/:token", async (c) => {
    const requested = fieldsOf(c);
    if ("refusal" in requested) return requested.refusal;
    const [found] = await queue.get([c.req.param("token")]);
    if (!found || found.tenantId !== c.get("tenant").id) return c.json(NOT_FOUND, 404);
    return c.json(render(found, requested.fields, c.req.query("base64_encoded") === "true"));
  });

  return app;
}
