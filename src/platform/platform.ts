import type { Config } from "../config.ts";
import type { LogBus } from "./log-bus.ts";
import type { PlatformStore } from "./platform-store.ts";
import type { RunGuard } from "./run-guard.ts";
import type { SecretBox } from "./secret-box.ts";
import type { TokenAuthority } from "./token-authority.ts";

/** What the platform routes need: storage, tokens, secret sealing, logs, rate limits. */
export interface Platform {
  store: PlatformStore;
  authority: TokenAuthority;
  secretBox: SecretBox;
  logs: LogBus;
  guard: RunGuard;
}

/** Random key material for dev mode, as printable text. */
export function randomKey(): string {
  return [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The token and secret keys: from config, or in dev mode generated once and kept in the store
 * so tokens and sealed secrets survive restarts. Production refuses to start without them.
 */
export async function resolveKeys(config: Config, store: PlatformStore): Promise<{ jwtKey: string; secretKey: string; adminToken?: string }> {
  if (config.mode === "production") {
    const missing = ["KILN_JWT_KEY", "KILN_SECRET_KEY", "KILN_ADMIN_TOKEN"].filter((_, i) => ![config.jwtKey, config.secretKey, config.adminToken][i]);
    if (missing.length) throw new Error(`config: KILN_ENV=production needs ${missing.join(", ")}`);
  }
  return {
    jwtKey: config.jwtKey ?? (await store.setMetaIfAbsent("dev-jwt-key", randomKey())),
    secretKey: config.secretKey ?? (await store.setMetaIfAbsent("dev-secret-key", randomKey())),
    adminToken: config.adminToken,
  };
}
