import { spawnSync } from "node:child_process";

/**
 * Whether an outside program a suite needs (redis-server, chromium) is on the PATH. When it is not,
 * the suite says so in one line, naming the Debian package, and skips; with
 * KILN_TEST_REQUIRE_SERVICES=1 (set by .ci/run) a missing program fails the run instead.
 */
export function hasService(command: string, debianPackage: string, suite: string): boolean {
  const found = spawnSync(command, ["--version"], { stdio: "ignore" }).error === undefined;
  if (found) return true;
  const line = `${suite}: needs ${command} on the PATH (Debian package ${debianPackage}; .ci/run installs it)`;
  if (process.env.KILN_TEST_REQUIRE_SERVICES === "1") throw new Error(line);
  console.warn(`skipped ${line}`);
  return false;
}
