/** kiln/client's types are generated from the server's OpenAPI document, and the checked-in file is fresh. */
import { readFileSync } from "node:fs";
import { describe, expect, expectTypeOf, it } from "vitest";
import { CLIENT_TYPES_FILE, clientTypes } from "../../src/adapters/node/client-types.ts";
import type * as Api from "../../src/client/kiln-api.ts";

describe("kiln/client's generated types", () => {
  it("match a fresh generation from the app's OpenAPI document (else: npm run client:generate)", async () => {
    expect(readFileSync(CLIENT_TYPES_FILE, "utf8") === (await clientTypes()), "src/client/openapi.generated.ts is stale: run npm run client:generate").toBe(true);
  });

  it("name real shapes, none of them never", () => {
    expectTypeOf<Api.CreatedTenant>().toEqualTypeOf<{ tenant: Api.Tenant; token: string; expiresAt: string }>();
    expectTypeOf<Api.Health>().toEqualTypeOf<{ status: "ok" }>();
    expectTypeOf<Api.DevTokens>().toMatchTypeOf<{ adminToken: string; tenantToken: string }>();
    expectTypeOf<Api.ScriptVersions["versions"]>().toEqualTypeOf<Api.ScriptVersion[]>();
    expectTypeOf<Api.ScriptSummary>().toMatchTypeOf<{ name: string; activeVersion: number }>();
    expectTypeOf<Api.NewTenant>().toMatchTypeOf<{ scopes?: Api.TenantScope[] }>();
    expectTypeOf<Api.TenantChanges>().toMatchTypeOf<{ quotas?: Api.TenantQuotas }>();
    expectTypeOf<Api.TokenRequest>().toMatchTypeOf<{ ttlSeconds?: number }>();
    expectTypeOf<Api.TenantScope>().toEqualTypeOf<"run" | "deploy" | "logs">();
    expectTypeOf<Api.GuestErrorCode>().toEqualTypeOf<"syntax_error" | "guest_error" | "fuel_exhausted" | "memory_exhausted" | "timeout" | "output_limit">();
    expectTypeOf<Extract<Api.RunResult, { ok: false }>["error"]>().toEqualTypeOf<Api.GuestError>();
    expectTypeOf<Api.LogEvent["stream"]>().toEqualTypeOf<"log" | "stdout" | "stderr" | "run">();
  });
});
