import { describe, expect, it } from "vitest";
import { parseHostPattern, patternCovers, patternMatchesUrl } from "../../src/net/host-allowlist.ts";

const p = (s: string) => parseHostPattern(s)!;
const m = (pattern: string, url: string) => patternMatchesUrl(p(pattern), new URL(url));

describe("host allowlist", () => {
  it("matches exact hosts on their default port only", () => {
    expect(m("api.example.com", "https://api.example.com/x")).toBe(true);
    expect(m("api.example.com", "https://API.example.com/x")).toBe(true);
    expect(m("api.example.com", "https://api.example.com:8443/x")).toBe(false);
    expect(m("api.example.com", "https://evil.com/?api.example.com")).toBe(false);
    expect(m("api.example.com", "https://api.example.com.evil.com/")).toBe(false);
  });

  it("matches wildcards on subdomains, not the apex", () => {
    expect(m("*.example.com", "https://a.b.example.com/")).toBe(true);
    expect(m("*.example.com", "https://example.com/")).toBe(false);
    expect(m("*.example.com", "https://badexample.com/")).toBe(false);
  });

  it("honours scheme and port", () => {
    expect(m("https://api.example.com", "http://api.example.com/")).toBe(false);
    expect(m("127.0.0.1:8080", "http://127.0.0.1:8080/")).toBe(true);
    expect(m("127.0.0.1:8080", "http://127.0.0.1:8081/")).toBe(false);
  });

  it("rejects malformed patterns", () => {
    for (const bad of ["", "http://", "a b", "*.", "foo/bar", "user@host", "ftp://x.com"]) expect(parseHostPattern(bad)).toBeUndefined();
  });

  it("caps a requested pattern by a server pattern", () => {
    expect(patternCovers(p("*"), p("anything.io"))).toBe(true);
    expect(patternCovers(p("*.example.com"), p("a.example.com"))).toBe(true);
    expect(patternCovers(p("*.example.com"), p("*.a.example.com"))).toBe(true);
    expect(patternCovers(p("*.example.com"), p("example.com"))).toBe(false);
    expect(patternCovers(p("a.example.com"), p("*.example.com"))).toBe(false);
    expect(patternCovers(p("https://*.example.com"), p("http://a.example.com"))).toBe(false);
  });
});
