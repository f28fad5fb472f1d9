/**
 * Verified tokens are remembered until they expire, so a request with a known token skips the HMAC;
 * the cache must never accept what verification would refuse.
 */
import { SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RequestError } from "../../src/errors.ts";
import { TokenAuthority } from "../../src/platform/token-authority.ts";

const KEY = "k".repeat(40);
const bearer = (t: string) => `Bearer ${t}`;
const status = (p: Promise<unknown>) => p.then(() => 200, (e: unknown) => (e instanceof RequestError ? e.status : 500));

afterEach(() => vi.useRealTimers());

describe("TokenAuthority's verified-token cache", () => {
  it("answers a known token again without re-verifying, the same principal", async () => {
    const authority = new TokenAuthority({ key: KEY });
    const token = await authority.issue("t1", { scopes: ["run"], ttlSeconds: 60 });
    const first = await authority.verify(bearer(token));
    expect(await authority.verify(bearer(token))).toBe(first);
    expect(first).toEqual({ kind: "tenant", tenantId: "t1", scopes: ["run"] });
    expect(Object.isFrozen(first)).toBe(true);
  });

  it("stops accepting a cached token once it expires", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const authority = new TokenAuthority({ key: KEY });
    const token = await authority.issue("t1", { scopes: ["run"], ttlSeconds: 5 });
    expect(await status(authority.verify(bearer(token)))).toBe(200);
    vi.setSystemTime(Date.now() + 6000);
    const e = await authority.verify(bearer(token)).catch((x: RequestError) => x);
    expect(e).toMatchObject({ status: 401, message: "The token has expired" });
  });

  it("a cached token's signature on another payload is still refused (keyed by the whole token)", async () => {
    const authority = new TokenAuthority({ key: KEY });
    const token = await authority.issue("t1", { scopes: ["run"], ttlSeconds: 60 });
    await authority.verify(bearer(token));
    const [header, , signature] = token.split(".");
    const other = await new SignJWT({ scope: "run admin" }).setProtectedHeader({ alg: "HS256" }).setSubject("t2").setIssuer("kiln").setAudience("kiln").setExpirationTime("1h").sign(new TextEncoder().encode("x".repeat(40)));
    const swapped = `${header}.${other.split(".")[1]}.${signature}`;
    expect(await status(authority.verify(bearer(swapped)))).toBe(401);
    // And the genuine token still works.
    expect(await authority.verify(bearer(token))).toMatchObject({ tenantId: "t1" });
  });
});
