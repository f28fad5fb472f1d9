import type { HttpTransport } from "../capabilities/http-transport.ts";
import { createHttpHost } from "../capabilities/http.ts";
import type { Config } from "../config.ts";
import { parseHostPattern, patternMatchesUrl } from "../net/host-allowlist.ts";
import type { Tenant } from "./platform-store.ts";

/**
 * Why a submission's `callback_url` may not be called, or undefined when it may: the same egress
 * policy as a guest's `http`. The URL must be http(s) without credentials, and allowed by both the
 * server's allowlist (`KILN_GRANTS` http) and the tenant's grants; where the adapter has no
 * transport (the edge), callbacks are off.
 */
export function callbackRefusal(url: string, options: { config: Config; tenant: Tenant; transport: HttpTransport | undefined }): string | undefined {
  if (!options.transport) return "setting callback is not allowed";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a valid URL";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return "must be an http or https URL";
  if (parsed.username || parsed.password) return "must not carry credentials";
  const allowed = (patterns: readonly string[]) => patterns.map(parseHostPattern).some((p) => p !== undefined && patternMatchesUrl(p, parsed));
  if (!allowed(options.config.grants.http.allow) || !allowed(options.tenant.grants.httpAllow)) return `host '${parsed.host}' is not allowed by the http allowlist`;
  return undefined;
}

/**
 * Calls `callback_url` with the finished submission (a PUT of JSON, as Judge0 does), through the
 * guest `http` host: the allowlist is checked at every redirect, and the transport refuses private,
 * loopback and metadata addresses (unless KILN_HTTP_ALLOW_PRIVATE), including what a name resolves to.
 * Tried up to three times while no answer comes; a failure is reported, never thrown.
 */
export async function sendCallback(url: string, body: unknown, options: { config: Config; tenant: Tenant; transport: HttpTransport; signal?: AbortSignal }): Promise<{ ok: boolean; error?: string }> {
  const refusal = callbackRefusal(url, options);
  if (refusal) return { ok: false, error: refusal };
  const http = createHttpHost(options.transport, { allow: [...options.config.grants.http.allow], limits: options.config.hostLimits, signal: options.signal ?? new AbortController().signal });
  const bytes = new TextEncoder().encode(JSON.stringify(body));
  let error = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // Any answer ends it, as in Judge0: only a request that could not be made is tried again.
      const response = await http.fetch({ method: "PUT", url, headers: [["content-type", "application/json"]], body: bytes });
      return { ok: response.status < 400, ...(response.status >= 400 && { error: `status ${response.status}` }) };
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
  }
  return { ok: false, error };
}
