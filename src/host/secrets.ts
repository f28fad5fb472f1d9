import type { SecretsInterface } from "./wit.ts";

/** The `secrets` interface: read-only access to the secrets granted to this run. */
export function createSecretsHost(granted: Record<string, string>): SecretsInterface {
  return {
    get(name: string): string | null {
      return Object.hasOwn(granted, name) ? granted[name]! : null;
    },
  };
}

/** Replaces every granted secret value in host-made text, so no message echoes one. */
export function createRedactor(granted: Record<string, string>): (text: string) => string {
  const values = Object.values(granted).filter((v) => v.length >= 4).sort((a, b) => b.length - a.length);
  return (text) => values.reduce((t, v) => t.split(v).join("[redacted]"), text);
}
