import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The differential suites (each language against its reference interpreter, a minute together) run
    // as `npm run test:differential`, which .ci/run runs after `npm test`.
    exclude: process.env.KILN_DIFFERENTIAL === "1" ? configDefaults.exclude : [...configDefaults.exclude, "test/languages/*/differential.test.ts"],
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
