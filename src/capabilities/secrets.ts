import { HostCallError } from "../errors.ts";
import type { SecretsInterface } from "./wit.ts";

/**
 * The `secrets` interface: read-only access to the secrets granted to this run. `granted` maps
 * each granted name to its value, or to null when the secret no longer exists (deleted after a
 * script naming it was deployed): `get` answers null for it, like a missing kv key. A name the
 * grants do not list is refused, whether or not such a secret exists.
 */
export function createSecretsHost(granted: Record<string, string | null>): SecretsInterface {
  return {
    get(name: string): string | null {
      if (!Object.hasOwn(granted, name)) throw new HostCallError("capability_denied", `secrets: '${name}' is not granted to this run`);
      return granted[name] ?? null;
    },
  };
}

/** Replaces every granted secret value in host-made text, so no message echoes one. */
export function createRedactor(granted: Record<string, string | null>): (text: string) => string {
  const values = Object.values(granted)
    .filter((v): v is string => typeof v === "string" && v.length >= 4)
    .sort((a, b) => b.length - a.length);
  return (text) => values.reduce((t, v) => t.split(v).join("[redacted]"), text);
}
