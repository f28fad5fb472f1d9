/**
 * The route-schema pattern: every route is declared once with `createRoute` (method, path, zod schemas
 * for its params, query, body and responses, and its security), registered with `defineRoute`, and
 * from that one declaration come the request's validation, its TypeScript types and its entry in
 * `GET /openapi.json`.
 *
 * ```ts
 * const route = createRoute({
 *   method: "put", path: "/secrets/{name}", security: TENANT_AUTH,
 *   request: { params: z.object({ name: SecretName }), body: jsonBody(z.object({ value: z.string() }).strict()) },
 *   responses: { 200: jsonResponse(z.object({ name: z.string() }), "Stored"), ...errorResponses(403, 404) },
 * });
 * defineRoute(app, route, async (c, valid) => {
 *   const tenant = await requireTenant(c, platform, "deploy"); // auth first: a 403 before any 400
 *   const { params, body } = await valid();                     // typed from the schemas
 *   ...
 * });
 * ```
 *
 * A schema failure is a 400 `invalid_request` whose message names each field (`limits.fuel: …`,
 * `files[2].name: …`, `limit: unknown field`), or a 413 `payload_too_large` when every failure is a
 * size or count cap (an issue made by `tooLarge`, or an array over its `.max`). A body that is not
 * JSON is a 400 `invalid_json`. The body is read as JSON whatever its Content-Type says (as Kiln
 * always has: `curl -d` sends form-encoded), which is why routes use `defineRoute` rather than
 * `app.openapi`, whose validator skips bodies without a JSON Content-Type. Responses are never
 * validated at run time; the tests check every response against the document.
 */
import { createRoute, OpenAPIHono, z, type RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import { REQUEST_ERROR_CODES, REQUEST_ERROR_STATUS, RequestError } from "../errors.ts";
import type { KilnEnv } from "./authenticate.ts";

export { createRoute, z };

/** A router whose routes (declared with `defineRoute`) appear in the OpenAPI document once mounted with `app.route`. */
export function createRoutes(): OpenAPIHono<KilnEnv> {
  // Routes registered with `app.openapi` instead get the same failure rule for params and query.
  return new OpenAPIHono<KilnEnv>({
    defaultHook: (result) => {
      if (!result.success) throw schemaFailure(result.error);
    },
  });
}

/** What a route's schemas yield once its request is valid. */
export interface Valid<R extends RouteConfig> {
  params: R["request"] extends { params: infer S extends z.ZodType } ? z.output<S> : Record<string, never>;
  query: R["request"] extends { query: infer S extends z.ZodType } ? z.output<S> : Record<string, never>;
  body: R["request"] extends { body: { content: { "application/json": { schema: infer S extends z.ZodType } } } } ? z.output<S> : undefined;
}

/**
 * The handler gets `valid()`, which reads and checks the request against the route's schemas (throwing
 * the `RequestError` for the first failure); calling it after the auth checks keeps a caller without
 * the scope hearing 403 before anything about its body.
 */
export type RouteHandler<R extends RouteConfig> = (c: Context<KilnEnv>, valid: () => Promise<Valid<R>>) => Response | Promise<Response>;

/** Registers a route on the router and in its OpenAPI registry. */
export function defineRoute<R extends RouteConfig>(app: OpenAPIHono<KilnEnv>, route: R, handler: RouteHandler<R>): void {
  app.openAPIRegistry.registerPath(route);
  const path = route.path.replaceAll(/\{([^}]+)\}/g, ":$1");
  app.on(route.method.toUpperCase(), path, (c) => handler(c, () => validInput(c, route) as Promise<Valid<R>>));
}

async function validInput(c: Context<KilnEnv>, route: RouteConfig): Promise<{ params: unknown; query: unknown; body: unknown }> {
  const request = route.request;
  const params = request?.params ? check(request.params as z.ZodType, c.req.param()) : {};
  const query = request?.query ? check(request.query as z.ZodType, c.req.query()) : {};
  const media = request?.body?.content?.["application/json"];
  const schema = media && "schema" in media ? media.schema : undefined;
  let body: unknown;
  if (schema) {
    const text = await c.req.text();
    // An optional body may be empty: the schema sees `undefined`.
    body = check(schema as z.ZodType, request!.body!.required === false && text.trim() === "" ? undefined : parseJson(text));
  }
  return { params, query, body };
}

/** Parses a request body as JSON, or a 400 `invalid_json`. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RequestError("invalid_json", "The request body is not valid JSON");
  }
}

/** The value as the schema outputs it, or the `RequestError` its failure is. */
export function check<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw schemaFailure(result.error);
  return result.data;
}

const TOO_LARGE = "kilnTooLarge";

/** Adds a size-cap failure (a 413 `payload_too_large` naming the field) from a `superRefine`. */
export function tooLarge(ctx: z.RefinementCtx, message: string, path: PropertyKey[] = []): void {
  ctx.addIssue({ code: "custom", message, path, params: { [TOO_LARGE]: true } });
}

const isSizeIssue = (issue: z.core.$ZodIssue) =>
  (issue.code === "custom" && issue.params?.[TOO_LARGE] === true) || (issue.code === "too_big" && issue.origin === "array");

/** A zod failure as the `RequestError` the caller gets: every issue, each naming its field. */
export function schemaFailure(error: z.ZodError): RequestError {
  const issues = flatten(error.issues);
  const messages = issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") return issue.keys.map((key) => `${fieldPath([...issue.path, key])}: unknown field`);
    return [`${fieldPath(issue.path) || "body"}: ${issue.message}`];
  });
  let shown = messages.slice(0, 8).join("; ") + (messages.length > 8 ? `; and ${messages.length - 8} more` : "");
  // Field names are the caller's: a huge one is not echoed whole.
  if (shown.length > MAX_MESSAGE) shown = `${shown.slice(0, MAX_MESSAGE)}…`;
  return new RequestError(issues.every(isSizeIssue) ? "payload_too_large" : "invalid_request", shown);
}

const MAX_MESSAGE = 1000;

/**
 * The issues to report: a union's failure is reported as the failure of the option the value came
 * closest to (the fewest issues; the first on a tie), its paths under the union's.
 */
function flatten(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== "invalid_union" || !issue.errors.length) return [issue];
    const closest = issue.errors.reduce((best, option) => (option.length < best.length ? option : best));
    return flatten(closest.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })));
  });
}

/** `limits.fuel`, `files[2].name`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) out += typeof key === "number" ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out;
}

/** Who may call a route: the `security` of its declaration. */
export const TENANT_AUTH: Record<string, string[]>[] = [{ tenantToken: [] }];
export const ADMIN_AUTH: Record<string, string[]>[] = [{ adminToken: [] }];
export const ANY_AUTH: Record<string, string[]>[] = [{ tenantToken: [] }, { adminToken: [] }];

/** A JSON request body for `request.body`; `required: false` lets it be empty. */
export function jsonBody<S extends z.ZodType>(schema: S, options: { required?: boolean; description?: string; examples?: Record<string, { summary?: string; value: unknown }> } = {}) {
  const { required = true, description, examples } = options;
  return { required, description, content: { "application/json": { schema, ...(examples && { examples }) } } };
}

/** A JSON response for `responses`. */
export function jsonResponse<S extends z.ZodType>(schema: S, description: string) {
  return { description, content: { "application/json": { schema } } };
}

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 423 | 429 | 500 | 501 | 503;

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: "The request is malformed",
  401: "No valid bearer token",
  403: "The token may not do this",
  404: "No such thing",
  409: "It exists already",
  413: "The body or a field is over its cap",
  423: "Quarantined; Retry-After says until when",
  429: "Rate limited; Retry-After says when to retry",
  500: "A bug in Kiln; logged on the server",
  501: "Not supported by this runtime",
  503: "Overloaded or a store is unavailable; Retry-After says when to retry",
};

const errorSchemas = new Map<ErrorStatus, z.ZodType>();

/** The error body a status carries: `{error: {code, message}}`, its `code` one of the request error codes with that status. */
export function errorSchema(status: ErrorStatus): z.ZodType {
  let schema = errorSchemas.get(status);
  if (!schema) {
    const codes = status === 500 ? ["internal_error"] : REQUEST_ERROR_CODES.filter((code) => REQUEST_ERROR_STATUS[code] === status);
    schema = z
      .object({ error: z.object({ code: z.enum(codes as [string, ...string[]]), message: z.string() }).strict() })
      .strict()
      .openapi(`Error${status}`, { description: ERROR_DESCRIPTIONS[status] });
    errorSchemas.set(status, schema);
  }
  return schema;
}

/**
 * The error responses of a route: those any route under /v1 can give (400 a malformed request, 401 no
 * token, 413 a body over the cap, 500, 503 a store down), and the route's own.
 */
export function errorResponses(...statuses: ErrorStatus[]) {
  const all = [...new Set<ErrorStatus>([400, 401, 413, 500, 503, ...statuses])].sort();
  return Object.fromEntries(all.map((status) => [status, { ...jsonResponse(errorSchema(status), ERROR_DESCRIPTIONS[status]), ...errorHeaders(status) }]));
}

const RETRY_AFTER = { "Retry-After": { description: "Seconds after which a retry may succeed", schema: { type: "integer" as const, minimum: 0 } } };

/** The headers an error status carries: `Retry-After` on 423, 429 and 503 (where known), `WWW-Authenticate` on 401. */
function errorHeaders(status: ErrorStatus) {
  if (status === 423 || status === 429 || status === 503) return { headers: RETRY_AFTER };
  if (status === 401) return { headers: { "WWW-Authenticate": { description: 'Bearer realm="kiln"', schema: { type: "string" as const } } } };
  return {};
}
