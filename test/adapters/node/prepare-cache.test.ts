/** A damaged prepared-runtime cache is prepared again at start, instead of failing every run later. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { luaRuntime } from "../../../runtimes/lua.ts";
import { prepareComponentRuntime } from "../../../src/adapters/node/prepare-component-runtime.ts";
import { ComponentEngine } from "../../../src/engine/component/component-engine.ts";
import { preparedFolderName } from "../../../src/engine/component/prepared-runtime.ts";
import { job } from "../../helpers/fixtures.ts";

const cacheDir = mkdtempSync(join(tmpdir(), "kiln-cache-"));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

it("prepares a runtime again when its cached metered module is truncated, and runs", async () => {
  // The suite's own cache holds the prepared Lua (test/global-setup.ts); damage a copy of it.
  const folder = await preparedFolderName(luaRuntime, new Uint8Array(readFileSync(luaRuntime.artifact)));
  cpSync(join(".kiln/cache", folder), join(cacheDir, folder), { recursive: true });
  const metered = join(cacheDir, folder, "metered.wasm");
  writeFileSync(metered, readFileSync(metered).subarray(0, 1000));
  const runtime = await prepareComponentRuntime(luaRuntime, { cacheDir });
  expect(WebAssembly.validate(readFileSync(metered))).toBe(true);
  using engine = new ComponentEngine([runtime]);
  expect(await engine.run(job("lua", "function main(i) return 7 end"))).toMatchObject({ ok: true, result: 7 });
});
