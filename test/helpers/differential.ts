import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { ComponentEngine } from "../../src/engine/component/component-engine.ts";
import type { RunJob } from "../../src/engine/engine.ts";
import { componentEngine } from "./fixtures.ts";
import { hasService } from "./services.ts";

/**
 * Differential runs: the same small program under a reference interpreter on this machine (Debian's
 * `lua5.4`, `ruby`, `python3.11`, or Node for JavaScript) and in Kiln, stdout compared byte for byte.
 * `hasInterpreter` says whether the reference is on the PATH (a missing one skips with one line naming
 * its Debian package, or fails under KILN_TEST_REQUIRE_SERVICES=1, as for redis-server).
 */
export function hasInterpreter(command: string, debianPackage: string, suite: string): boolean {
  return hasService(command, debianPackage, suite);
}

const executables = new Map<string, string>();
/**
 * The interpreter's own executable: a pyenv shim (a shell script that looks the version up on every
 * start) costs about 0.7 s a run, the binary it ends in about 0.1 s.
 */
function executable(command: string): string {
  if (!command.startsWith("python")) return command;
  let path = executables.get(command);
  if (path === undefined) {
    const out = spawnSync(command, ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" });
    path = out.status === 0 && out.stdout.trim() ? out.stdout.trim() : command;
    executables.set(command, path);
  }
  return path;
}

/** Runs `code` as a file with `command [...args] <file>`, stdin empty, no environment beyond PATH; its stdout and exit status. */
export function runNative(command: string, args: readonly string[], code: string, extension: string): { stdout: string; stderr: string; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), "kiln-differential-"));
  try {
    const file = join(dir, `program${extension}`);
    writeFileSync(file, code);
    const out = spawnSync(executable(command), [...args, file], { cwd: dir, input: "", encoding: "utf8", timeout: 10_000, env: { PATH: process.env.PATH ?? "", LANG: "C.UTF-8", TZ: "UTC" } });
    return { stdout: out.stdout, stderr: out.stderr, status: out.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Kiln's side of a differential suite: the in-process component engine, started before the enclosing block's tests and disposed after them. */
export function useKiln(): { run(job: RunJob): ReturnType<ComponentEngine["run"]> } {
  let engine: ComponentEngine | undefined;
  beforeAll(async () => {
    engine = await componentEngine();
  });
  afterAll(() => engine?.dispose());
  return { run: (job) => engine!.run(job) };
}
