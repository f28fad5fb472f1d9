/** A damaged prepared-runtime cache is prepared again at start, instead of failing every run later; an unwritable one stops the start with a clear line. */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { lua as luaRuntime } from "../../../languages/lua/language.ts";
import { prepareComponentRuntime } from "../../../src/adapters/node/prepare-component-runtime.ts";
import { ComponentEngine } from "../../../src/engine/component/component-engine.ts";
import { preparedFolderName } from "../../../src/engine/component/prepared-runtime.ts";
import { job } from "../../helpers/fixtures.ts";
import { ROOT } from "../../helpers/kiln-process.ts";

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

/** Starts the server as `npm start` does with `env` added; it must exit at once with status 1. */
function startRefused(env: Record<string, string>) {
  const out = spawnSync(process.execPath, ["--import", "tsx", "src/adapters/node/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", KILN_HOST: "127.0.0.1", KILN_DB_PATH: join(cacheDir, "kiln.sqlite"), ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(out.status).toBe(1);
  return out.stderr;
}

it("stops the server at start with a clear line when KILN_CACHE_DIR cannot be written", () => {
  expect(startRefused({ KILN_CACHE_DIR: "/dev/null/cache" })).toMatch(/cannot prepare the runtimes in KILN_CACHE_DIR \(\/dev\/null\/cache\)/);
});

it("stops the server at start with a clear line when KILN_WARM_UP names an unknown language", () => {
  expect(startRefused({ KILN_WARM_UP: "rb, cobol" })).toMatch(/KILN_WARM_UP names \\"cobol\\", which is none of lua, ruby, python/);
});
