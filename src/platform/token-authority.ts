import { jwtVerify, SignJWT } from "jose";
import { RequestError } from "../errors.ts";

export const SCOPES = ["run", "deploy", "logs", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling, from a verified bearer token. */
export type Principal = { kind: "admin" } | { kind: "tenant"; tenantId: string; scopes: Scope[] };

const ISSUER = "kiln";
const AUDIENCE = "kiln";

/**
 * Issues and verifies bearer tokens: HS256 JWTs signed with the server key (via `jose`, never by
 * hand), carrying the tenant (`sub`) and scopes, always with an expiry. The admin token is a
 * separate opaque secret from config, compared in constant time.
 */
export class TokenAuthority {
  readonly #key: Uint8Array;
  readonly #adminDigest: Promise<Uint8Array> | undefined;
  /**
   * Tokens verified already, by the whole token (never by the signature alone: a payload could then be
   * swapped under a known signature), each with its principal and expiry (seconds), until it expires.
   * A request with a known token skips the HMAC and the claim checks; the oldest entry goes first.
   */
  readonly #verified = new Map<string, { principal: Principal; exp: number }>();

  constructor(options: { key: string; adminToken?: string }) {
    if (options.key.length < 32) throw new Error("the token signing key must be at least 32 characters");
    this.#key = new TextEncoder().encode(options.key);
    this.#adminDigest = options.adminToken ? digest(options.adminToken) : undefined;
  }

  /** A token for `tenantId` with `scopes`, valid for `ttlSeconds`. */
  issue(tenantId: string, options: { scopes: Scope[]; ttlSeconds: number }): Promise<string> {
    return new SignJWT({ scope: options.scopes.join(" ") })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(tenantId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlSeconds)
      .sign(this.#key);
  }

  /** Verifies an `Authorization` header value. Anything wrong is a 401 `unauthorized`. */
  async verify(header: string | undefined): Promise<Principal> {
    const token = /^Bearer ([^\s]+)$/i.exec(header ?? "")?.[1];
    if (!token) throw new RequestError("unauthorized", "A bearer token is required (Authorization: Bearer <token>)");
    const known = this.#verified.get(token);
    if (known) {
      if (Date.now() / 1000 < known.exp) return known.principal;
      this.#verified.delete(token);
    }
    if (this.#adminDigest && equal(await digest(token), await this.#adminDigest)) return { kind: "admin" };
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: ["HS256"],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ["sub", "exp"],
      });
      // jose checks the signature and the registered claims it is asked to; the types of the rest are ours to check.
      if (typeof payload.sub !== "string" || payload.sub === "" || (payload.scope !== undefined && typeof payload.scope !== "string")) {
        throw new Error("claims of the wrong type");
      }
      const scopes = (payload.scope ?? "").split(" ").filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
      const principal: Principal = scopes.includes("admin") ? { kind: "admin" } : { kind: "tenant", tenantId: payload.sub, scopes };
      this.#remember(token, principal, payload.exp!);
      return principal;
    } catch (e) {
      const expired = (e as { code?: string }).code === "ERR_JWT_EXPIRED";
      throw new RequestError("unauthorized", expired ? "The token has expired" : "The token is not valid");
    }
  }

  #remember(token: string, principal: Principal, exp: number): void {
    // Frozen: a caller that mutated a cached principal would change every later request's.
    if (principal.kind === "tenant") Object.freeze(principal.scopes);
    this.#verified.set(token, { principal: Object.freeze(principal), exp });
    if (this.#verified.size > MAX_VERIFIED) this.#verified.delete(this.#verified.keys().next().value!);
  }
}

/** Verified tokens kept at most (each a few hundred bytes). */
const MAX_VERIFIED = 10_000;

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.min(a.length, b.length); i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
