import { SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { RequestError } from "../../src/errors.ts";
import { TokenAuthority } from "../../src/platform/token-authority.ts";

const KEY = "k".repeat(40);
const authority = new TokenAuthority({ key: KEY, adminToken: "admin-secret-token" });
const key = new TextEncoder().encode(KEY);
const bearer = (t: string) => `Bearer ${t}`;
const rejects = async (header: string | undefined) => {
  const e = await authority.verify(header).catch((x) => x);
  expect(e).toBeInstanceOf(RequestError);
  expect((e as RequestError).status).toBe(401);
  return (e as RequestError).message;
};
const base = () => new SignJWT({ scope: "run" }).setSubject("t1").setIssuer("kiln").setAudience("kiln").setIssuedAt();

describe("TokenAuthority", () => {
  it("round-trips a tenant token with scopes", async () => {
    const token = await authority.issue("t1", { scopes: ["run", "deploy"], ttlSeconds: 60 });
    expect(await authority.verify(bearer(token))).toEqual({ kind: "tenant", tenantId: "t1", scopes: ["run", "deploy"] });
  });

  it("recognises the admin token", async () => {
    expect(await authority.verify(bearer("admin-secret-token"))).toEqual({ kind: "admin" });
  });

  it("rejects a missing or malformed header", async () => {
    await rejects(undefined);
    await rejects("Basic abc");
    await rejects("Bearer");
  });

  it("rejects a validly signed token whose claims have the wrong types (a 401, never a 500 or another tenant)", async () => {
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setIssuer("kiln").setAudience("kiln").setExpirationTime("1h").setProtectedHeader({ alg: "HS256" }).sign(key);
    for (const claims of [{ sub: ["t1"], scope: "run" }, { sub: { id: "t1" }, scope: "run" }, { sub: 7, scope: "run" }, { sub: "", scope: "run" }, { sub: "t1", scope: ["run"] }, { sub: "t1", scope: 1 }]) {
      expect(await rejects(bearer(await sign(claims))), JSON.stringify(claims)).toMatch(/not valid/);
    }
    expect(await authority.verify(bearer(await sign({ sub: "t1", scope: "run" })))).toEqual({ kind: "tenant", tenantId: "t1", scopes: ["run"] });
  });

  it("rejects alg none", async () => {
    const token = new UnsecuredJWT({ scope: "admin" }).setSubject("t1").setIssuer("kiln").setAudience("kiln").setExpirationTime("1h").encode();
    await rejects(bearer(token));
  });

  it("rejects a forged signature", async () => {
    const token = await base().setExpirationTime("1h").setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode("x".repeat(40)));
    await rejects(bearer(token));
  });

  it("rejects another algorithm, even with the right key", async () => {
    const token = await base().setExpirationTime("1h").setProtectedHeader({ alg: "HS512" }).sign(key);
    await rejects(bearer(token));
  });

  it("rejects an expired token, saying so", async () => {
    const token = await base().setExpirationTime(Math.floor(Date.now() / 1000) - 10).setProtectedHeader({ alg: "HS256" }).sign(key);
    expect(await rejects(bearer(token))).toMatch(/expired/);
  });

  it("rejects a token without expiry, or for another audience or issuer", async () => {
    await rejects(bearer(await base().setProtectedHeader({ alg: "HS256" }).sign(key)));
    await rejects(bearer(await base().setAudience("other").setExpirationTime("1h").setProtectedHeader({ alg: "HS256" }).sign(key)));
    await rejects(bearer(await base().setIssuer("other").setExpirationTime("1h").setProtectedHeader({ alg: "HS256" }).sign(key)));
  });
});
