import { HostCallError } from "../errors.ts";
import { utf8Length } from "../limits/output.ts";
import { forbiddenAddressReason, parseIPv4, parseIPv6 } from "./address-policy.ts";
import { CallCounter } from "./call-counter.ts";
import { parseHostPattern, patternMatchesUrl } from "./host-allowlist.ts";
import type { HostLimits } from "./host-limits.ts";
import type { HttpTransport } from "./http-transport.ts";
import type { HttpInterface, HttpRequest, HttpResponse } from "./wit.ts";

/** Headers the host sets itself; a guest may not. */
const RESERVED_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer", "keep-alive", "proxy-connection"]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The `http` interface: every hop (the request and each redirect) is checked against the granted
 * host allowlist and the address policy before the transport sends a byte. Messages name hosts,
 * never full URLs, which may carry secrets.
 */
export function createHttpHost(transport: HttpTransport, options: { allow: string[]; limits: HostLimits; signal: AbortSignal }): HttpInterface {
  const { limits, signal } = options;
  const patterns = options.allow.map(parseHostPattern).filter((p) => p !== undefined);
  const calls = new CallCounter("http", limits.httpMaxCalls);

  const check = (url: URL) => {
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new HostCallError("capability_denied", `http: the scheme '${url.protocol}' is not allowed`);
    if (url.username || url.password) throw new HostCallError("invalid_argument", "http: credentials in URLs are not allowed");
    if (!patterns.some((p) => patternMatchesUrl(p, url))) throw new HostCallError("capability_denied", `http: the host '${url.host}' is not granted`);
    const host = url.hostname;
    if (parseIPv4(host) || parseIPv6(host.replace(/^\[|\]$/g, ""))) {
      const reason = forbiddenAddressReason(host, { allowPrivate: limits.httpAllowPrivate });
      if (reason) throw new HostCallError("capability_denied", `http: '${url.host}' is ${reason}`);
    }
  };

  return {
    async fetch(req: HttpRequest): Promise<HttpResponse> {
      calls.take();
      const method = req.method.toUpperCase();
      if (!TOKEN.test(method)) throw new HostCallError("invalid_argument", "http: the method is not a valid token");
      for (const [name, value] of req.headers) {
        if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) throw new HostCallError("invalid_argument", "http: a header name or value is malformed");
        if (RESERVED_HEADERS.has(name.toLowerCase())) throw new HostCallError("invalid_argument", `http: the header '${name}' is set by the host`);
      }
      if (req.body !== null && utf8Length(req.body) > limits.httpMaxRequestBytes) {
        throw new HostCallError("limit_exceeded", `http: a request body may be at most ${limits.httpMaxRequestBytes} bytes`);
      }
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        throw new HostCallError("invalid_argument", "http: the URL is not valid");
      }
      let current = { method, body: req.body };
      for (let hop = 0; ; hop++) {
        check(url);
        const response = await transport.send({
          ...current,
          url,
          headers: req.headers,
          timeoutMs: limits.httpTimeoutMs,
          maxResponseBytes: limits.httpMaxResponseBytes,
          allowPrivate: limits.httpAllowPrivate,
          signal,
        });
        const location = response.headers.find(([n]) => n === "location")?.[1];
        if (response.status < 300 || response.status >= 400 || response.status === 304 || location === undefined) return response;
        if (hop >= limits.httpMaxRedirects) throw new HostCallError("failed", `http: more than ${limits.httpMaxRedirects} redirects`);
        try {
          url = new URL(location, url);
        } catch {
          throw new HostCallError("failed", "http: a redirect's location is not a valid URL");
        }
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && current.method === "POST")) {
          current = { method: "GET", body: null };
        }
      }
    },
  };
}
