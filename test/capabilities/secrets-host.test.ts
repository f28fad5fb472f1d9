/** The `secrets` host: a name outside the run's grants is refused; a granted secret that no longer exists is null. */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { HostCallError } from "../../src/errors.ts";
import type { RunGrants } from "../../src/capabilities/grants.ts";
import { RunHost } from "../../src/capabilities/run-host.ts";

const limits = loadConfig({}).hostLimits;
const host = (secrets: RunGrants["secrets"]) => new RunHost({ grants: { secrets }, limits, services: {} });
const outcome = (run: RunHost, name: string) => {
  try {
    return { value: run.call("secrets", "get", [name]) };
  } catch (e) {
    if (e instanceof HostCallError) return { code: e.code, message: e.message };
    throw e;
  }
};

describe("secrets.get", () => {
  it("answers a granted secret's value", () => {
    using run = host({ API_KEY: "value-of-the-key" });
    expect(outcome(run, "API_KEY")).toEqual({ value: "value-of-the-key" });
  });

  it("refuses a name the grants do not list with capability_denied, even when the run has other secrets", () => {
    using run = host({ API_KEY: "value-of-the-key" });
    expect(outcome(run, "OTHER")).toEqual({ code: "capability_denied", message: "secrets: 'OTHER' is not granted to this run" });
    expect(outcome(run, "__proto__")).toMatchObject({ code: "capability_denied" });
    expect(outcome(run, "toString")).toMatchObject({ code: "capability_denied" });
  });

  it("refuses every name without a secrets grant", () => {
    using run = host({});
    expect(outcome(run, "API_KEY")).toMatchObject({ code: "capability_denied" });
  });

  it("answers null for a granted secret that no longer exists, and redacts only real values", () => {
    using run = host({ TOK: null, API_KEY: "value-of-the-key" });
    expect(outcome(run, "TOK")).toEqual({ value: null });
    expect(run.redact("x value-of-the-key null")).toBe("x [redacted] null");
  });
});
