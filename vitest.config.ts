import { configDefaults, defineConfig } from "vitest/config";

/**
 * Suites that run as their own npm scripts, outside `npm test` (which must stay within 6 minutes on
 * CI's two cores); `.ci/run` runs each after `npm test`. `KILN_SUITE` names the one to run.
 * - differential: each language against its reference interpreter, and dirty-page resets against full
 *   restores in every language (about two minutes);
 * - edge: the same app on workerd, Deno and Bun;
 * - fire: Kiln under fire: the seeded fuzz slice, the memory sweep, restarts after SIGKILL mid-traffic
 *   (of the server, and of the node holding 50 queued Judge0 submissions), and two nodes on one
 *   redis-server (killed and restarted under traffic; a node killed while the other finishes its
 *   submissions), two nodes on one Redis sharing a tenant's fuel quota, and the worker pool's watchdog
 *   (workers stuck in native code killed and replaced, overload, quarantine, tenants served in turns);
 * - server: a Kiln server process as its users and operators see it, each file booting its own: the CLI,
 *   output streamed in every language, /metrics scraped, the request log, and the playground in Chromium.
 */
const SUITES: Record<string, string[]> = {
  differential: ["test/languages/*/differential.test.ts", "test/engine/wasm/dirty-bitmap.test.ts"],
  // The conformance suite over HTTP on workerd, Deno and Bun (about 75 s: each boots, and workerd's bundle is built).
  edge: ["test/adapters/edge/**/*.test.ts"],
  fire: [
    "test/fuzz/**/*.test.ts",
    "test/adapters/node/memory-bound.test.ts",
    "test/adapters/node/durability.test.ts",
    "test/adapters/node/redis-multi-node.test.ts",
    "test/adapters/node/submission-durability.test.ts",
    "test/adapters/node/redis-submission-nodes.test.ts",
    "test/adapters/node/redis/redis-fuel-quota.test.ts",
    "test/adapters/node/worker-pool.test.ts",
  ],
  server: ["test/cli/kiln-cli.test.ts", "test/http/run-stream.test.ts", "test/http/metrics-routes.test.ts", "test/http/request-log.test.ts", "test/http/playground.test.ts"],
};
const suite = process.env.KILN_SUITE;
if (suite !== undefined && !(suite in SUITES)) throw new Error(`KILN_SUITE must be one of ${Object.keys(SUITES).join(", ")}`);

export default defineConfig({
  test: {
    include: suite ? SUITES[suite] : ["test/**/*.test.ts"],
    exclude: suite ? configDefaults.exclude : [...configDefaults.exclude, ...Object.values(SUITES).flat()],
    pool: "forks",
    // Two files at a time on CI's two cores (vitest's default there is one): most files wait on servers and threads.
    maxWorkers: 2,
    // Each of the two forks runs file after file, loading node_modules (binaryen, jco, esbuild, vite's
    // transforms) once instead of once per file: measured 496 s → 391 s for the whole suite on 2 cores.
    // Files still get fresh copies of Kiln's own modules; a test must not leave env vars or handles behind.
    isolate: false,
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
