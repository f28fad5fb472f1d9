/**
 * Host allowlist patterns: `host`, `*.domain` (any subdomain, not the domain itself), or `*` (any
 * host; for server config), each optionally with `scheme://` and `:port`. Without a port a pattern
 * matches only the scheme's default port.
 */
export interface HostPattern {
  scheme?: "http" | "https";
  host: string;
  port?: string;
}

/** Parses one pattern; returns undefined when it is malformed. */
export function parseHostPattern(text: string): HostPattern | undefined {
  const m = /^(?:(https?):\/\/)?(\*|(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i.exec(text.trim());
  if (!m) return undefined;
  return { scheme: m[1]?.toLowerCase() as HostPattern["scheme"], host: m[2]!.toLowerCase(), port: m[3] };
}

/** True when `url` is allowed by `pattern`. `url` must already be a parsed http(s) URL. */
export function patternMatchesUrl(pattern: HostPattern, url: URL): boolean {
  const scheme = url.protocol.slice(0, -1);
  if (pattern.scheme && pattern.scheme !== scheme) return false;
  if ((pattern.port ?? "") !== url.port) return false;
  return hostCovers(pattern.host, url.hostname.toLowerCase());
}

/** True when every URL `inner` allows is also allowed by `outer` (used to cap requested grants). */
export function patternCovers(outer: HostPattern, inner: HostPattern): boolean {
  if (outer.host === "*") return !outer.scheme || outer.scheme === inner.scheme;
  if (outer.scheme && outer.scheme !== inner.scheme) return false;
  if ((outer.port ?? "") !== (inner.port ?? "")) return false;
  return hostCovers(outer.host, inner.host);
}

function hostCovers(pattern: string, host: string): boolean {
  if (pattern === "*") return true;
  if (pattern.startsWith("*.")) {
    const suffix = pattern.slice(1);
    return host.endsWith(suffix) && host.length > suffix.length;
  }
  return pattern === host;
}
