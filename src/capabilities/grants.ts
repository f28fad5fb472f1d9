import { z } from "zod";
import { RequestError } from "../errors.ts";
import { parseHostPattern, patternCovers } from "../net/host-allowlist.ts";

/** What one run may reach: resolved from the request, capped by the server. Plain data. */
export interface RunGrants {
  kv?: { namespace: string };
  http?: { allow: string[] };
  /** Granted secrets, name → value; null when a granted secret no longer exists (`secrets.get` answers null). */
  secrets: Record<string, string | null>;
}

/** What a request asks for (`grants` in `POST /v1/run`). */
export interface RequestedGrants {
  kv?: { namespace: string };
  http?: { allow: string[] };
  secrets?: string[];
}

/** The most any run on this server may be granted (from config). */
export interface ServerGrants {
  /** Namespaces a run may use; `*` allows any. */
  kv: { namespaces: string[] };
  http: { allow: string[] };
  secrets: Record<string, string>;
}

const NAMESPACE = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * The `grants` field of a request, as a schema: the one statement of what a run or deploy may ask
 * for. Unknown capabilities are refused; null or absent asks for nothing.
 */
export const REQUESTED_GRANTS = z
  .strictObject({
    kv: z.strictObject({ namespace: z.string().regex(NAMESPACE, "must be 1-64 of A-Z a-z 0-9 _ . : -") }).optional(),
    http: z
      .strictObject({
        allow: z.array(z.string().refine((h) => parseHostPattern(h) !== undefined, "must be a host pattern like 'api.example.com' or '*.example.com'")),
      })
      .optional(),
    secrets: z.array(z.string()).optional(),
  })
  .meta({ description: "What the run may reach through the host interfaces: kv (one namespace), http (host patterns), secrets (names)." })
  .nullish();

/** Validates the `grants` field of a request (the HTTP layer checks it as part of the body's schema). */
export function parseRequestedGrants(value: unknown): RequestedGrants {
  const result = REQUESTED_GRANTS.safeParse(value);
  if (result.success) return result.data ?? {};
  const issue = result.error.issues[0]!;
  const path = ["grants", ...issue.path.map(String)].join(".");
  throw new RequestError("invalid_request", `'${path}': ${issue.message}`);
}

/**
 * What to do with a requested secret that does not exist: `refuse` (a new run or deploy: 404
 * not_found, naming it) or `absent` (an invocation of a deployed script whose secret was deleted
 * since: the grant stands and `secrets.get` answers null, like a missing kv key).
 */
export type MissingSecrets = "refuse" | "absent";

/**
 * Caps a request's grants by the server's; asking for more than the server allows is refused.
 * `server.secrets` holds every secret that exists for the run (the server's and the tenant's).
 */
export function resolveGrants(requested: RequestedGrants, server: ServerGrants, options: { missingSecrets?: MissingSecrets } = {}): RunGrants {
  const denied = (what: string) => new RequestError("grant_denied", `This server does not grant ${what}`);
  const grants: RunGrants = { secrets: {} };
  if (requested.kv) {
    const { namespace } = requested.kv;
    if (!server.kv.namespaces.some((n) => n === "*" || n === namespace)) throw denied(`the kv namespace '${namespace}'`);
    grants.kv = { namespace };
  }
  if (requested.http) {
    const outer = server.http.allow.map(parseHostPattern).filter((p) => p !== undefined);
    for (const entry of requested.http.allow) {
      const inner = parseHostPattern(entry)!;
      if (!outer.some((o) => patternCovers(o, inner))) throw denied(`http access to '${entry}'`);
    }
    grants.http = { allow: [...requested.http.allow] };
  }
  for (const name of requested.secrets ?? []) {
    if (Object.hasOwn(server.secrets, name)) grants.secrets[name] = server.secrets[name]!;
    else if (options.missingSecrets === "absent") grants.secrets[name] = null;
    else throw new RequestError("not_found", `No secret named '${name}' exists; store it first with PUT /v1/secrets/${name}`);
  }
  return grants;
}
