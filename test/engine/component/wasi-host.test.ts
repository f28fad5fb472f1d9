/**
 * The per-instance WASI host under real jco glue: the Lua reactor is wrapped as a component
 * (componentEmbed → componentNew with the preview1 reactor adapter → transpile), and Node 20 runs it
 * with the legacy-exception-handling core module handed in through getCoreModule (jco's transpile
 * only accepts the binaryen exnref copy; Node 20 only runs the legacy form).
 */
import { componentEmbed, componentNew, preview1AdapterReactorPath, transpile } from "@bytecodealliance/jco";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exnrefCopy } from "../../../src/engine/wasm/exnref-copy.ts";
import { createWasiHost } from "../../../src/engine/component/wasi/wasi-host.ts";

const lua = readFileSync(new URL("../../../languages/lua/lua.wasm", import.meta.url));
const WORLD = "package kiln:runtime@0.1.0; interface host { call: func(name: string, args: string) -> result<string, string>; } world runtime { import host; export run: func(source: string) -> result<string, string>; }";
const dir = mkdtempSync(join(tmpdir(), "kiln-component-"));
let instantiate: (getCoreModule: (name: string) => WebAssembly.Module, imports: object) => Promise<{ run(source: string): string }>;
const modules = new Map<string, WebAssembly.Module>();

beforeAll(async () => {
  const embedded = await componentEmbed({ binary: exnrefCopy(lua), witSource: WORLD, world: "runtime" });
  const component = await componentNew(embedded, [["wasi_snapshot_preview1", readFileSync(preview1AdapterReactorPath())]]);
  const { files } = await transpile(component, { name: "lua", instantiation: "async" });
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), bytes);
    if (name.endsWith(".wasm") && name !== "lua.core.wasm") modules.set(name, new WebAssembly.Module(new Uint8Array(bytes)));
  }
  modules.set("lua.core.wasm", new WebAssembly.Module(lua)); // the legacy-EH twin: same imports and exports
  ({ instantiate } = await import(pathToFileURL(join(dir, "lua.js")).href));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runLua(source: string, maxOutputBytes = 1 << 20) {
  const host = createWasiHost({ maxOutputBytes });
  const noKilnHost = {
    call() {
      throw new Error("no Kiln host in these tests");
    },
  };
  const instance = await instantiate((name) => modules.get(name)!, { ...host.imports, "kiln:runtime/host": noKilnHost });
  let status: string;
  try {
    status = `ok:${instance.run(source)}`;
  } catch (e) {
    status = `err:${(e as { payload?: string }).payload ?? (e as Error).name}`;
  }
  return { status, stdout: host.stdout(), stderr: host.stderr(), overflowed: host.overflowed };
}

describe("the WASI host under jco", () => {
  it("runs Lua as a component: stdout, stderr, Wasm exceptions", async () => {
    const out = await runLua("print(1 + 1) print(pcall(error, 'x')) io.stderr:write('warned') error('bad')");
    expect(out).toMatchObject({ status: expect.stringMatching(/^err:runtime:.*bad/), stdout: "2\nfalse\tx\n", stderr: "warned" });
    expect((await runLua("return 'the result'")).status).toBe("ok:the result");
  });

  it("reads the host's clocks: wall time agrees with the host, elapsed time is measurable", async () => {
    const before = Math.floor(Date.now() / 1000);
    const out = await runLua("local t0, c0 = os.time(), os.clock() local x = 0 for i = 1, 3000000 do x = x + i end print(t0, os.clock() - c0)");
    const after = Math.ceil(Date.now() / 1000);
    const [seconds, elapsed] = out.stdout.trim().split("\t").map(Number);
    expect(seconds).toBeGreaterThanOrEqual(before);
    expect(seconds).toBeLessThanOrEqual(after);
    expect(elapsed).toBeGreaterThan(0.001);
  });

  it("caps output and closes the stream past the cap", async () => {
    const out = await runLua("for i = 1, 10000 do print('spam spam spam') end", 1000);
    expect(out.overflowed).toBe(true);
    expect(out.status).toBe("err:OutputLimitExceeded");
    expect(out.stdout.length).toBeLessThanOrEqual(1000);
  });

  it("keeps each instance's output to itself", async () => {
    const [a, b] = await Promise.all([runLua("print('a')"), runLua("print('b')")]);
    expect([a.stdout, b.stdout]).toEqual(["a\n", "b\n"]);
  });
});
