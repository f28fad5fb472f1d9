/**
 * A QuickJS run's files and stdin against its snapshots: the files are code, so they are part of a
 * snapshot's key; a top level that read stdin took something from outside, so it is never snapshotted.
 * Module resolution stays inside the run's files.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QuickJSEngine } from "../../../src/engine/quickjs/quickjs-engine.ts";
import type { RunJob } from "../../../src/engine/engine.ts";
import { createQuickJSEngine } from "../../../src/quickjs-defaults.ts";
import { job, quickjsWasm } from "../../helpers/fixtures.ts";

let engine: QuickJSEngine;
beforeAll(async () => {
  // Every top level is snapshotted (threshold 0) the second time it runs.
  engine = createQuickJSEngine(await quickjsWasm(), { snapshotMinInitMs: 0 });
});
afterAll(() => engine.dispose());

const withInputs = (code: string, inputs: Pick<RunJob, "stdin" | "args" | "files">): RunJob => ({ ...job("javascript", code), ...inputs });

describe("QuickJS run inputs", () => {
  it("keys a snapshot by the files too: other files never start from it", async () => {
    const code = `import { n } from "./lib/n.js";\nconst table = Array.from({ length: 2000 }, (_, i) => i * n);\nexport default () => table[1];`;
    const files = (n: number) => [{ name: "lib/n.js", content: `export const n = ${n};` }];
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await engine.run(withInputs(code, { files: files(2) })));
    expect(runs.map((r) => [r.ok && r.result, r.usage.start])).toEqual([[2, "fresh"], [2, "fresh"], [2, "warm"]]);
    const other = await engine.run(withInputs(code, { files: files(3) }));
    expect(other).toMatchObject({ ok: true, result: 3, usage: { start: "fresh" } });
  });

  it("never snapshots a top level that read stdin, and each run reads its own", async () => {
    const code = `const text = readStdin();\nconst table = Array.from({ length: 2000 }, (_, i) => i);\nexport default () => text + table.length;`;
    const runs = [];
    for (const stdin of ["a", "a", "a", "b", undefined]) runs.push(await engine.run(withInputs(code, stdin === undefined ? {} : { stdin })));
    expect(runs.map((r) => [r.ok && r.result, r.usage.start])).toEqual([["a2000", "fresh"], ["a2000", "fresh"], ["a2000", "fresh"], ["b2000", "fresh"], ["2000", "fresh"]]);
  });

  it("gives handlers the arguments in ctx.args, and a warm run its own", async () => {
    const code = `const table = Array.from({ length: 2000 }, (_, i) => i);\nexport default (input, ctx) => [ctx.args, table.length];`;
    const results = [];
    for (const args of [["a"], ["b", "c"], undefined, ["d"]]) results.push(await engine.run(withInputs(code, args ? { args } : {})));
    expect(results.map((r) => r.ok && r.result)).toEqual([[["a"], 2000], [["b", "c"], 2000], [[], 2000], [["d"], 2000]]);
    expect(results.at(-1)!.usage.start).toBe("warm");
  });

  it("resolves imports inside the files only: a path above them, a name no file has, and a bad file name are not found", async () => {
    const files = [
      { name: "a.js", content: `export { b } from "./sub/b.js";` },
      { name: "sub/b.js", content: `export const b = "b";` },
      { name: "../evil.js", content: `export const evil = true;` },
      { name: "kiln", content: `export const fake = true;` },
    ];
    expect(await engine.run(withInputs(`import { b } from "./a.js";\nexport default () => b;`, { files }))).toMatchObject({ ok: true, result: "b" });
    for (const specifier of ["../evil.js", "./sub/../../evil.js", "./missing.js", "/a.js"]) {
      const out = await engine.run(withInputs(`import "${specifier}";\nexport default () => 1;`, { files }));
      expect(out.ok, specifier).toBe(false);
      expect(!out.ok && out.error.message, specifier).toMatch(/Cannot find module|could not load module/);
    }
    // A file named like the host's module is reached only by its relative path; `kiln` stays the host's.
    const both = await engine.run(withInputs(`import { fake } from "./kiln";\nimport * as host from "kiln";\nexport default () => [fake, typeof host.kv];`, { files }));
    expect(both).toMatchObject({ ok: true, result: [true, "object"] });
  });
});
