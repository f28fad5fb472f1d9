/** Configuration: an invalid value stops the server at start with a message naming the variable. */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";

describe("loadConfig", () => {
  it("reads the defaults and dev mode from an empty environment", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, mode: "dev", workers: 2 });
    expect(loadConfig({ KILN_ENV: "dev" }).mode).toBe("dev");
    expect(loadConfig({ KILN_ENV: "production" }).mode).toBe("production");
  });

  const refused: [Record<string, string>, RegExp][] = [
    // A typo must never turn dev mode on (it prints an admin token).
    [{ KILN_ENV: "prod" }, /KILN_ENV must be production or dev, got "prod"/],
    [{ KILN_ENV: "Production" }, /KILN_ENV/],
    [{ PORT: "99999" }, /PORT must be a TCP port/],
    [{ PORT: "abc" }, /PORT must be a non-negative integer/],
    [{ KILN_WORKERS: "0" }, /KILN_WORKERS must be at least 1/],
    [{ KILN_JWT_KEY: "short" }, /KILN_JWT_KEY must be at least 32 characters/],
    [{ KILN_SECRET_KEY: "short" }, /KILN_SECRET_KEY must be at least 32 characters/],
  ];
  it.each(refused)("refuses %o, naming the variable", (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
