/** languages/cel/cel-bundle.generated.js is what languages/cel/build-bundle.mjs makes from guest/ and the pinned libraries. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";

it("the checked-in CEL bundle is up to date", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["languages/cel/build-bundle.mjs", "--check"]);
  expect(stdout).toMatch(/up to date/);
});
