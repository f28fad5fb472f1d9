/** Configuration: an invalid value stops the server at start with a message naming the variable. */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { ROOT } from "./helpers/kiln-process.ts";

describe("loadConfig", () => {
  it("reads the defaults and dev mode from an empty environment", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: "0.0.0.0",
      mode: "dev",
      workers: 2,
      defaults: { fuel: 10_000, memoryMb: 64, timeoutMs: 5_000 },
      maxima: { fuel: 200_000, memoryMb: 256, timeoutMs: 30_000 },
      tokenTtlSeconds: 30 * 24 * 3600,
      tokenMaxTtlSeconds: 365 * 24 * 3600,
      grants: { kv: { namespaces: ["*"] }, http: { allow: [] }, secrets: {} },
      dbPath: ".kiln/kiln.sqlite",
      cacheDir: ".kiln/cache",
    });
    expect(config.hostLimits.httpAllowPrivate).toBe(false);
    expect(config.warmUp).toBeUndefined();
    expect(loadConfig({ KILN_ENV: "dev" }).mode).toBe("dev");
    expect(loadConfig({ KILN_ENV: "development" }).mode).toBe("dev");
    expect(loadConfig({ KILN_ENV: "production" }).mode).toBe("production");
  });

  it("reads every kind of variable; an empty one is its default", () => {
    const config = loadConfig({
      PORT: "0",
      KILN_HOST: "::1",
      KILN_MAX_FUEL: "5000",
      KILN_DEFAULT_TIMEOUT_MS: "",
      KILN_WARM_UP: "lua, ruby,",
      KILN_HTTP_ALLOW_PRIVATE: "1",
      KILN_GRANTS: '{"http":{"allow":["api.example.com"]}}',
      KILN_SECRETS: '{"A":"b"}',
      KILN_REDIS_URL: "redis://127.0.0.1:6379",
    });
    expect(config).toMatchObject({ port: 0, host: "::1", warmUp: ["lua", "ruby"], redisUrl: "redis://127.0.0.1:6379" });
    expect(config.hostLimits.httpAllowPrivate).toBe(true);
    expect(config.grants).toEqual({ kv: { namespaces: ["*"] }, http: { allow: ["api.example.com"] }, secrets: { A: "b" } });
    // An unset default is lowered to a maximum the operator set; only one set above it is a mistake.
    expect(config.defaults).toEqual({ fuel: 5000, memoryMb: 64, timeoutMs: 5000 });
    for (const host of ["localhost", "127.0.0.1", "kiln.internal", "::"]) expect(loadConfig({ KILN_HOST: host }).host).toBe(host);
  });

  const refused: [Record<string, string>, RegExp][] = [
    // A typo must never turn dev mode on (it prints an admin token).
    [{ KILN_ENV: "prod" }, /KILN_ENV must be production or dev, got "prod"/],
    [{ KILN_ENV: "Production" }, /KILN_ENV/],
    [{ PORT: "99999" }, /PORT must be a TCP port \(0 to 65535\), got 99999/],
    [{ PORT: "abc" }, /PORT must be a non-negative integer, got "abc"/],
    [{ PORT: "-1" }, /PORT must be a non-negative integer/],
    [{ PORT: "1.5" }, /PORT must be a non-negative integer/],
    [{ KILN_HOST: "not a host" }, /KILN_HOST must be a host name or an IP address, got "not a host"/],
    [{ KILN_HOST: "300.1.1.1" }, /KILN_HOST/],
    [{ KILN_WORKERS: "0" }, /KILN_WORKERS must be at least 1/],
    [{ KILN_JWT_KEY: "short" }, /KILN_JWT_KEY must be at least 32 characters/],
    [{ KILN_SECRET_KEY: "short" }, /KILN_SECRET_KEY must be at least 32 characters/],
    [{ KILN_ADMIN_TOKEN: "x" }, /KILN_ADMIN_TOKEN must be at least 16 characters/],
    [{ KILN_DEFAULT_FUEL: "300000" }, /KILN_DEFAULT_FUEL must be at most KILN_MAX_FUEL \(200000\), got 300000/],
    [{ KILN_DEFAULT_TIMEOUT_MS: "60000" }, /KILN_DEFAULT_TIMEOUT_MS must be at most KILN_MAX_TIMEOUT_MS \(30000\)/],
    [{ KILN_DEFAULT_MEMORY_MB: "8" }, /KILN_DEFAULT_MEMORY_MB must be at least 24, got 8/],
    [{ KILN_MAX_MEMORY_MB: "0" }, /KILN_MAX_MEMORY_MB must be at least 24/],
    [{ KILN_MAX_MEMORY_MB: "8192" }, /KILN_MAX_MEMORY_MB must be at most 4096/],
    [{ KILN_TOKEN_TTL_SECONDS: "999999999" }, /KILN_TOKEN_TTL_SECONDS must be at most KILN_TOKEN_MAX_TTL_SECONDS \(31536000\)/],
    [{ KILN_RATE_TENANT_PER_MINUTE: "0" }, /KILN_RATE_TENANT_PER_MINUTE must be at least 1/],
    [{ KILN_QUARANTINE_THRESHOLD: "0" }, /KILN_QUARANTINE_THRESHOLD must be at least 1/],
    [{ KILN_HTTP_TIMEOUT_MS: "0" }, /KILN_HTTP_TIMEOUT_MS must be at least 1/],
    [{ KILN_HTTP_ALLOW_PRIVATE: "maybe" }, /KILN_HTTP_ALLOW_PRIVATE must be 1 or 0/],
    [{ KILN_GRANTS: "{bad" }, /KILN_GRANTS must be JSON/],
    [{ KILN_GRANTS: "[]" }, /KILN_GRANTS must look like/],
    [{ KILN_GRANTS: '{"secrets":["A"]}' }, /KILN_GRANTS has unknown key "secrets"/],
    [{ KILN_GRANTS: '{"http":{"allow":"api.example.com"}}' }, /KILN_GRANTS is wrong at http\.allow/],
    [{ KILN_SECRETS: "[1]" }, /KILN_SECRETS must be a JSON object/],
    [{ KILN_SECRETS: '{"a":1}' }, /KILN_SECRETS is wrong at a: must be a string/],
    [{ KILN_REDIS_URL: "localhost:6379" }, /KILN_REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
  ];
  it.each(refused)("refuses %o, naming the variable", (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("names every wrong variable in one line", () => {
    expect(() => loadConfig({ PORT: "x", KILN_ENV: "prod" })).toThrow(/^config: PORT must .*; config: KILN_ENV must [^\n]*$/);
  });
});

/** Starts the real server (as `npm start` does) with `env`; resolves with its exit code and stderr once it exits. */
function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/adapters/node/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", KILN_HOST: "127.0.0.1", KILN_DB_PATH: ":memory:", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  // A server that did start (the test failing) must not outlive it.
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((resolve) => child.once("exit", (code) => (clearTimeout(timer), resolve({ code, stderr, stdout }))));
}

// Each start loads the whole server (about 2 s of CPU), so one of each kind of mistake: an enumeration, a port, a host, a default above its maximum.
describe("the server with a configuration mistake", () => {
  const mistakes: [Record<string, string>, string][] = [
    [{ KILN_ENV: "prod" }, "KILN_ENV"],
    [{ PORT: "99999" }, "PORT"],
    [{ KILN_HOST: "not a host" }, "KILN_HOST"],
    [{ KILN_DEFAULT_FUEL: "300000" }, "KILN_DEFAULT_FUEL"],
  ];
  it("stops at once, exiting non-zero with one line naming the variable", async () => {
    const results = await Promise.all(mistakes.map(([env]) => start(env)));
    results.forEach(({ code, stderr, stdout }, i) => {
      const [env, variable] = mistakes[i]!;
      expect(code, JSON.stringify(env)).toBe(1);
      expect(stdout, JSON.stringify(env)).toBe("");
      const lines = stderr.trim().split("\n");
      expect(lines, JSON.stringify(env)).toHaveLength(1);
      const line = JSON.parse(lines[0]!);
      expect(line).toMatchObject({ level: "error", msg: "invalid configuration" });
      expect(line.error).toMatch(new RegExp(`^config: ${variable} `));
    });
  }, 60_000);
});

describe("the server on a port that is in use", () => {
  it("exits non-zero with one line saying so, not a stack trace", async () => {
    const { createServer } = await import("node:net");
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const { code, stderr } = await start({ PORT: String(port), KILN_WARM_UP: "" });
      expect(code).toBe(1);
      const lines = stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ level: "error", msg: "cannot listen", code: "EADDRINUSE", error: `port ${port} is in use (PORT sets another)` });
    } finally {
      taken.close();
    }
  }, 60_000);
});
