/**
 * The fuzz properties of api-fuzz.ts against a live server started as `npm start` does. In `npm test`
 * a seeded slice runs (KILN_FUZZ_RUNS, default below); `npm run test:fuzz` runs 10,000 cases with a
 * random seed (KILN_FUZZ_SEED fixes one) and prints the counts.
 */
import type { ChildProcess } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKiln } from "../helpers/kiln-process.ts";
import { checkAgainstDocument, checkHealthy, checkReply, COMPONENT_CHECK_MS, fuzzRequest, newStats, RAW_REQUESTS, rawRequest, regressionCases, sendAndCheck, sendRawAndCheck, setUpTenants, type Tokens } from "./api-fuzz.ts";

const RUNS = Number(process.env.KILN_FUZZ_RUNS ?? 500);
const SEED = process.env.KILN_FUZZ_SEED !== undefined ? Number(process.env.KILN_FUZZ_SEED) : process.env.KILN_FUZZ_RUNS ? undefined : 20261201;
const RAW_RUNS = Math.max(20, Math.round(RUNS / 10));
const ADMIN = "fuzz-admin-token-0123456789";

const dir = mkdtempSync(join(tmpdir(), "kiln-fuzz-"));
let child: ChildProcess | undefined;
let base = "";
let tokens: Tokens;
let marker = "";
const stats = newStats();

beforeAll(async () => {
  const kiln = await startKiln({
    KILN_DB_PATH: join(dir, "kiln.sqlite"),
    KILN_CACHE_DIR: join(process.cwd(), ".kiln/cache"),
    KILN_ADMIN_TOKEN: ADMIN,
    // Small ceilings: a looping script or a huge limit ends fast.
    KILN_DEFAULT_FUEL: "500",
    KILN_MAX_FUEL: "2000",
    KILN_DEFAULT_TIMEOUT_MS: "1500",
    KILN_MAX_TIMEOUT_MS: "2000",
    KILN_SECRETS: JSON.stringify({ NOPE: "server-wide" }),
    KILN_COMPONENT_CHECK_TIMEOUT_MS: String(COMPONENT_CHECK_MS),
  });
  child = kiln.child;
  // KILN_FUZZ_SERVER_LOG=path keeps the server's JSON log, to see what a failing case did on the server.
  const logPath = process.env.KILN_FUZZ_SERVER_LOG;
  if (logPath) child.stdout!.on("data", (d) => appendFileSync(logPath, d));
  base = kiln.base;
  ({ tokens, marker } = await setUpTenants(base, ADMIN, kiln.token));
  checkAgainstDocument(await (await fetch(`${base}/openapi.json`)).json());
});

afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
  console.log(`[fuzz] seed ${SEED ?? "random"}, ${RUNS} runs: ${JSON.stringify(stats)}`);
});

describe("black-box fuzzing of a live server", () => {
  it(`answers ${RUNS} generated requests without 5xx, hangs, malformed errors or cross-tenant leaks`, async () => {
    await fc.assert(
      fc.asyncProperty(fuzzRequest, async (req) => {
        if (child!.exitCode !== null) throw new Error(`the server exited (${child!.exitCode})`);
        await sendAndCheck(base, req, tokens, marker, stats);
      }),
      { numRuns: RUNS, seed: SEED, examples: regressionCases.map((r) => [r]), interruptAfterTimeLimit: undefined, verbose: 1 },
    );
    expect(stats.requests).toBeGreaterThanOrEqual(RUNS);
  }, 3_600_000);

  // Regression cases shrunk from failures: the Node adapter answered these with an empty 400 or 431.
  for (const [name, raw] of Object.entries(RAW_REQUESTS)) {
    it(`raw request (${name}): a JSON 4xx or a normal answer`, async () => {
      await sendRawAndCheck(base, raw, tokens, marker, stats);
    });
  }

  it(`answers ${RAW_RUNS} generated malformed HTTP requests without 5xx, hangs or empty errors`, async () => {
    await fc.assert(
      fc.asyncProperty(rawRequest, async (raw) => {
        if (child!.exitCode !== null) throw new Error(`the server exited (${child!.exitCode})`);
        await sendRawAndCheck(base, raw, tokens, marker, stats);
      }),
      { numRuns: RAW_RUNS, seed: SEED },
    );
  }, 3_600_000);

  // Open (not fixed): found by `npm run test:fuzz` (seed 10000, around case 1000-1800). Ruby runs whose
  // timeoutMs is below Ruby's own start (100-361 ms) end by the watchdog killing their worker, and each
  // replacement warms Ruby and Python again before it takes jobs, so a few such runs in a row leave no
  // worker free and an unrelated request waits over 10 s. Timing-dependent on 2 loaded cores.
  it("a burst of Ruby runs with a deadline under Ruby's start does not stall other requests past 10 s", async () => {
    for (const timeoutMs of [361, 361, 361, 100, 100, 100]) {
      for (const code of ["def main(input)\n  loop {}\nend", "def main(input\n", "def main(input) = { 'echo' => input }"]) {
        const req = { method: "POST", path: "/v1/run", auth: "tenantB" as const, contentType: "application/json", headers: {},
          body: Buffer.from(JSON.stringify({ language: "rb", code, limits: { fuel: 1, timeoutMs, memoryMb: 128 }, grants: {} })) };
        await sendAndCheck(base, req, tokens, marker, stats);
      }
    }
  });

  it("would notice a 5xx, an empty error, a leak or an answer off the OpenAPI document", () => {
    const req = { method: "GET", path: "/x", auth: "tenantB" as const, contentType: null, body: null, headers: {} };
    const s = newStats();
    const json = { "content-type": "application/json" };
    expect(() => checkReply(req, { status: 500, headers: json, body: '{"error":{"code":"internal_error","message":"x"}}', ms: 1 }, "mk1", s)).toThrow(/5xx/);
    expect(() => checkReply(req, { status: 400, headers: {}, body: "", ms: 1 }, "mk1", s)).toThrow(/not \{error/);
    expect(() => checkReply(req, { status: 200, headers: json, body: '{"x":"mk1"}', ms: 1 }, "mk1", s)).toThrow(/leaked/);
    expect(() => checkReply(req, { status: 200, headers: json, body: "{}", ms: 10_001 }, "mk1", s)).toThrow(/slow/);
    expect(() => checkReply(req, { status: 404, headers: json, body: '{"error":{"code":"not_found","message":"no"}}', ms: 1 }, "mk1", s)).not.toThrow();
    const languages = { ...req, path: "/v1/languages" };
    expect(() => checkReply(languages, { status: 200, headers: json, body: '{"languages":3}', ms: 1 }, "mk1", s)).toThrow(/OpenAPI document/);
    expect(() => checkReply(languages, { status: 418, headers: json, body: '{"error":{"code":"x","message":"y"}}', ms: 1 }, "mk1", s)).toThrow(/not documented/);
  });

  it("stays healthy: /healthz is ok and a benign run succeeds in every language", async () => {
    await checkHealthy(base, tokens.tenantB);
  });

  it("would notice a leak: tenant A's own answers do contain the marker", async () => {
    const res = await fetch(`${base}/v1/scripts/${marker}`, { headers: { authorization: `Bearer ${tokens.tenantA}` } });
    expect(await res.text()).toContain(marker);
  });
});
