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

/** Validates the `grants` field of a request. */
export function parseRequestedGrants(value: unknown): RequestedGrants {
  if (value === undefined || value === null) return {};
  const bad = (message: string) => new RequestError("invalid_request", `'grants${message}`);
  if (typeof value !== "object" || Array.isArray(value)) throw bad("' must be an object");
  const { kv, http, secrets, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown) throw bad(`.${unknown}' is not a capability; known: kv, http, secrets`);
  const out: RequestedGrants = {};
  if (kv !== undefined) {
    const ns = (kv as { namespace?: unknown } | null)?.namespace;
    if (typeof ns !== "string" || !NAMESPACE.test(ns)) throw bad(".kv.namespace' must be 1-64 of A-Z a-z 0-9 _ . : -");
    out.kv = { namespace: ns };
  }
  if (http !== undefined) {
    const allow = (http as { allow?: unknown } | null)?.allow;
    if (!Array.isArray(allow) || !allow.every((h) => typeof h === "string" && parseHostPattern(h))) {
      throw bad(".http.allow' must be a list of host patterns like 'api.example.com' or '*.example.com'");
    }
    out.http = { allow };
  }
  if (secrets !== undefined) {
    if (!Array.isArray(secrets) || !secrets.every((s) => typeof s === "string")) throw bad(".secrets' must be a list of names");
    out.secrets = secrets;
  }
  return out;
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
