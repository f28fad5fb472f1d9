import { HostCallError } from "../errors.ts";
import { forbiddenAddressReason, parseIPv4, parseIPv6 } from "../net/address-policy.ts";
import { CallCounter } from "./call-counter.ts";
import { parseHostPattern, patternMatchesUrl } from "../net/host-allowlist.ts";
import type { HostLimits } from "./capability-limits.ts";
import type { HttpTransport } from "./http-transport.ts";
import type { HttpInterface, HttpRequest, HttpResponse } from "./wit.ts";

/** Headers the host sets itself; a guest may not. */
const RESERVED_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer", "keep-alive", "proxy-connection"]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Time a request leaves its run before the run's deadline, so that a slow upstream is a `failed`
 * error the script still has time to handle: a fifth of the time left, at least 20 ms, at most 500 ms.
 */
export function deadlineReserveMs(leftMs: number): number {
  return Math.min(500, Math.max(20, Math.floor(leftMs / 5)));
}

/**
 * The timeout for a request sent now: the server's (`KILN_HTTP_TIMEOUT_MS`), cut to end a reserve
 * before the run's deadline (epoch ms) when there is one. Zero or less: there is no time to send it.
 */
export function requestTimeoutMs(limitMs: number, deadline: number | undefined, now = Date.now()): number {
  if (deadline === undefined) return limitMs;
  const left = deadline - now;
  return Math.min(limitMs, left - deadlineReserveMs(left));
}

/**
 * The `http` interface: every hop (the request and each redirect) is checked against the granted
 * host allowlist and the address policy before the transport sends a byte. Messages name hosts,
 * never full URLs, which may carry secrets. With the run's `deadline`, every hop ends before it
 * (see `requestTimeoutMs`).
 */
export function createHttpHost(transport: HttpTransport, options: { allow: string[]; limits: HostLimits; signal: AbortSignal; deadline?: number }): HttpInterface {
  const { limits, signal, deadline } = options;
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
      if (req.body !== null && req.body.byteLength > limits.httpMaxRequestBytes) {
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
        const timeoutMs = requestTimeoutMs(limits.httpTimeoutMs, deadline);
        if (timeoutMs <= 0) throw new HostCallError("failed", `http: no time is left before the run's deadline to reach '${url.host}'`);
        const response = await transport.send({
          ...current,
          url,
          headers: req.headers,
          timeoutMs,
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
