import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ThreadedComponentChecker } from "../../../src/adapters/node/threaded-component-checker.ts";
import { RequestError } from "../../../src/errors.ts";

const echo = readFileSync("test/fixtures/components/echo.component.wasm");
const cacheDir = mkdtempSync(join(tmpdir(), "kiln-check-"));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe("ThreadedComponentChecker", () => {
  it("checks and prepares on its own thread: the serving thread's timers keep firing meanwhile", async () => {
    using checker = new ThreadedComponentChecker({ cacheDir, timeoutMs: 120_000 });
    let last = performance.now();
    let longestStall = 0;
    const timer = setInterval(() => {
      longestStall = Math.max(longestStall, performance.now() - last);
      last = performance.now();
    }, 5);
    const shape = await checker.check(echo);
    clearInterval(timer);
    expect(shape.exports).toContain("run");
    // In process, loading binaryen and running jco's transpile hold this thread for about 0.9 s at a
    // time on the test machine (measured with the same 5 ms timer); here it is never held that long.
    expect(longestStall).toBeLessThan(500);
  }, 120_000);

  it("refuses what is not a component with invalid_component, and checks the next upload", async () => {
    using checker = new ThreadedComponentChecker({ cacheDir, timeoutMs: 120_000 });
    const err = await checker.check(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestError);
    expect(err).toMatchObject({ code: "invalid_component" });
    await expect(checker.check(echo)).resolves.toMatchObject({ exports: expect.arrayContaining(["run"]) });
  }, 120_000);

  it("refuses a check that outlasts its deadline, stops that thread, and the next upload gets a new one", async () => {
    const checker = new ThreadedComponentChecker({ cacheDir: join(cacheDir, "slow"), timeoutMs: 1 });
    const first = checker.check(echo);
    const exited = checker.exited;
    await expect(first).rejects.toMatchObject({ code: "invalid_component", message: expect.stringMatching(/longer than 1 ms/) });
    await exited; // the stopped thread is gone, not left running
    const again = new ThreadedComponentChecker({ cacheDir: join(cacheDir, "slow"), timeoutMs: 120_000 });
    await expect(again.check(echo)).resolves.toMatchObject({ exports: expect.arrayContaining(["run"]) });
    again.dispose();
    await again.exited;
    checker.dispose();
  }, 120_000);

  it("after dispose, refuses uploads with unavailable and leaves no thread", async () => {
    const checker = new ThreadedComponentChecker({ cacheDir, timeoutMs: 120_000 });
    await checker.check(echo);
    const exited = checker.exited;
    checker.dispose();
    await exited;
    await expect(checker.check(echo)).rejects.toMatchObject({ code: "unavailable" });
  }, 120_000);
});
