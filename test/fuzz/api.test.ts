/**
 * The fuzz properties of api-fuzz.ts against a live server started as `npm start` does. In `npm test`
 * a seeded slice runs (KILN_FUZZ_RUNS, default below); `npm run test:fuzz` runs 10,000 cases with a
 * random seed (KILN_FUZZ_SEED fixes one) and prints the counts.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKiln } from "../helpers/kiln-process.ts";
import { checkHealthy, fuzzRequest, newStats, regressionCases, sendAndCheck, setUpTenants, type Tokens } from "./api-fuzz.ts";

const RUNS = Number(process.env.KILN_FUZZ_RUNS ?? 300);
const SEED = process.env.KILN_FUZZ_SEED !== undefined ? Number(process.env.KILN_FUZZ_SEED) : process.env.KILN_FUZZ_RUNS ? undefined : 20261201;
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
  });
  child = kiln.child;
  base = kiln.base;
  ({ tokens, marker } = await setUpTenants(base, ADMIN, kiln.token));
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

  it("stays healthy: /healthz is ok and a benign run succeeds in every language", async () => {
    await checkHealthy(base, tokens.tenantB);
  });

  it("would notice a leak: tenant A's own answers do contain the marker", async () => {
    const res = await fetch(`${base}/v1/scripts/${marker}`, { headers: { authorization: `Bearer ${tokens.tenantA}` } });
    expect(await res.text()).toContain(marker);
  });
});
