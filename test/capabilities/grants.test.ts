import { describe, expect, it } from "vitest";
import { RequestError } from "../../src/errors.ts";
import { parseRequestedGrants, resolveGrants, type ServerGrants } from "../../src/capabilities/grants.ts";

const server: ServerGrants = { kv: { namespaces: ["orders", "users"] }, http: { allow: ["*.example.com"] }, secrets: { STRIPE: "sk_live_123456" } };
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof RequestError ? `${e.status} ${e.code}` : String(e);
  }
  return "ok";
};

describe("grants", () => {
  it("grants nothing but log when the request asks for nothing", () => {
    expect(resolveGrants(parseRequestedGrants(undefined), server)).toEqual({ secrets: {} });
  });

  it("grants what the server allows", () => {
    const g = resolveGrants(parseRequestedGrants({ kv: { namespace: "orders" }, http: { allow: ["api.example.com"] }, secrets: ["STRIPE"] }), server);
    expect(g).toEqual({ kv: { namespace: "orders" }, http: { allow: ["api.example.com"] }, secrets: { STRIPE: "sk_live_123456" } });
  });

  it("refuses more than the server allows with 403 grant_denied", () => {
    expect(code(() => resolveGrants(parseRequestedGrants({ kv: { namespace: "admin" } }), server))).toBe("403 grant_denied");
    expect(code(() => resolveGrants(parseRequestedGrants({ http: { allow: ["evil.com"] } }), server))).toBe("403 grant_denied");
    expect(code(() => resolveGrants(parseRequestedGrants({ http: { allow: ["*"] } }), server))).toBe("403 grant_denied");
  });

  it("refuses a secret that exists nowhere with 404 not_found, naming it (not a policy message)", () => {
    let error: unknown;
    try {
      resolveGrants(parseRequestedGrants({ secrets: ["OTHER"] }), server);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ status: 404, code: "not_found", message: expect.stringContaining("No secret named 'OTHER' exists") });
    expect((error as Error).message).not.toMatch(/grant/i);
  });

  it("keeps the grant of a secret deleted since a deploy, with no value (missingSecrets: absent)", () => {
    const g = resolveGrants(parseRequestedGrants({ secrets: ["STRIPE", "GONE"] }), server, { missingSecrets: "absent" });
    expect(g).toEqual({ secrets: { STRIPE: "sk_live_123456", GONE: null } });
  });

  it("rejects malformed grants with 400 invalid_request", () => {
    for (const bad of [5, [], { fs: {} }, { kv: {} }, { kv: { namespace: "a b" } }, { http: { allow: "x.com" } }, { http: { allow: ["a/b"] } }, { secrets: [1] }]) {
      expect(code(() => parseRequestedGrants(bad))).toBe("400 invalid_request");
    }
  });
});
