/**
 * The shapes of Kiln's HTTP API as a caller sees them, named: each is a type generated from the
 * server's OpenAPI document (openapi.generated.ts, `npm run client:generate`), so a change of a
 * route's schema changes the client's types with it, and a stale file fails a test.
 */
import type { components, paths } from "./openapi.generated.ts";

type Schemas = components["schemas"];
type JsonContent<R> = R extends { content: { "application/json": infer B } } ? B : never;
/** The JSON body of `method path`'s `status` response. */
type Response<P extends keyof paths, M extends keyof paths[P], S extends number = 200> = paths[P][M] extends { responses: infer Rs } ? (S extends keyof Rs ? JsonContent<Rs[S]> : never) : never;
/** The JSON request body of `method path`. */
type RequestBody<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { requestBody?: infer B } ? JsonContent<NonNullable<B>> : never;

/** `POST /v1/run` with code. */
export type CodeRunRequest = Schemas["CodeRunRequest"];
/** `POST /v1/run` with a stored component's id. */
export type ComponentRunRequest = Schemas["ComponentRunRequest"];
export type RunRequest = CodeRunRequest | ComponentRunRequest;
/** What a run reads besides its code: all optional. */
export type RunOptions = Omit<CodeRunRequest, "language" | "code" | "type">;
export type RequestedLimits = NonNullable<CodeRunRequest["limits"]>;
export type RequestedGrants = NonNullable<CodeRunRequest["grants"]>;
export type RunFile = NonNullable<CodeRunRequest["files"]>[number];
export type SourceType = NonNullable<CodeRunRequest["type"]>;

/** A run's response (HTTP 200 whether the guest succeeded or not). */
export type RunResult = Schemas["RunOutcome"];
/** `POST /v1/scripts/:name/invoke`: a run's response and the version that ran. */
export type InvokeResult = Schemas["InvocationOutcome"];
export type GuestError = Schemas["GuestError"];
export type GuestErrorCode = GuestError["code"];
export type Usage = Schemas["Usage"];
/** One language of `GET /v1/languages`. */
export type LanguageInfo = Schemas["Languages"]["languages"][number];

/** `PUT /v1/scripts/:name`. */
export type DeployRequest = Schemas["DeployRequest"];
/** One version of a deployed script. */
export type ScriptVersion = Schemas["ScriptVersion"];
/** `GET /v1/scripts/:name`: the live version with its code. */
export type ScriptWithCode = Schemas["ScriptVersionWithCode"];
export type ScriptSummary = Response<"/v1/scripts", "get">["scripts"][number];
/** `GET /v1/scripts/:name/versions`. */
export type ScriptVersions = Response<"/v1/scripts/{name}/versions", "get">;

/** A stored component (`POST /v1/components`, `GET /v1/components/:id`). */
export type Component = Schemas["Component"];

export type Tenant = Schemas["Tenant"];
export type TenantScope = Tenant["scopes"][number];
export type TenantQuotas = Schemas["TenantQuotas"];
/** What a tenant's runs may be granted at most; each part given replaces that part. */
export type TenantGrants = Schemas["TenantGrantsRequest"];
/** `POST /v1/tenants` (its `name` is the client's first argument). */
export type NewTenant = Omit<RequestBody<"/v1/tenants", "post">, "name">;
/** `POST /v1/tenants`'s answer: the tenant and its first token. */
export type CreatedTenant = Response<"/v1/tenants", "post", 201>;
/** `PATCH /v1/tenants/:tenant`. */
export type TenantChanges = RequestBody<"/v1/tenants/{tenant}", "patch">;
/** `POST /v1/tenants/:tenant/tokens`. */
export type TokenRequest = RequestBody<"/v1/tenants/{tenant}/tokens", "post">;
export type IssuedToken = Schemas["TenantToken"];

/** A line of the log stream (`log.write`, stdout, stderr) and a run's end. */
export type LogEvent = Schemas["LogLine"] | Schemas["RunEnded"];
/** One event of `GET /v1/logs/stream`. */
export type LogStreamEvent = { event: "ready"; data: Schemas["LogStreamReady"] } | { event: "log"; data: Schemas["LogLine"] } | { event: "run"; data: Schemas["RunEnded"] };

/** `GET /dev/token` (dev mode, loopback only): tokens for trying Kiln out. */
export type DevTokens = Response<"/dev/token", "get">;
/** `GET /healthz`. */
export type Health = Response<"/healthz", "get">;

/** `GET /v1/runs`'s filters and page (`cursor`: the previous page's). */
export type RunQuery = NonNullable<paths["/v1/runs"]["get"]["parameters"]["query"]>;
/** A page of the tenant's recent runs, newest first; `cursor` is null after the last page. */
export type RunPage = Response<"/v1/runs", "get">;
/** One run as `GET /v1/runs/:id` keeps it: its outcome, output, logs and usage. */
export type RunRecord = Schemas["RunRecord"];
/** What a replay answers: the new run, and how it compares with its recording. */
export type ReplayOutcome = Schemas["ReplayOutcome"];
/** How a replay compares with its recording. */
export type ReplayReport = Schemas["ReplayReport"];
/** The tenant's fuel and runs this minute and day, with its quotas (`GET /v1/usage`). */
export type TenantUsage = Schemas["TenantUsage"];
