/**
 * A run's stdin, arguments and files, in every language (cases.ts), through the real app on the Node
 * worker pool: read whole, line by line and as numbers; arguments; modules imported from the files
 * (one in a subfolder); a deployed script's files; names that climb out refused; and nothing of one
 * run's stdin or files left for the next run on the same warm sandbox (one worker, so runs share it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkerPoolEngine } from "../../src/adapters/node/worker-pool.ts";
import { appWith, workerPool } from "../helpers/fixtures.ts";
import { cases } from "./cases.ts";

const ctx = {} as { pool: WorkerPoolEngine; h: Awaited<ReturnType<typeof appWith>> };
beforeAll(async () => {
  ctx.pool = await workerPool({ size: 1 });
  ctx.h = await appWith(ctx.pool);
});
afterAll(async () => {
  await ctx.pool.close();
  expect(ctx.pool.threads).toBe(0);
});

const STDIN = "first line\nsecond, ünï\n\nlast";

describe.each(Object.keys(cases))("%s", (language) => {
  const c = cases[language]!;
  // A generous deadline: a worker's first Ruby run compiles a 30 MB module, and CI's two cores are shared.
  const limits = { timeoutMs: 30_000 };
  const run = (code: string, extra: Record<string, unknown> = {}) => ctx.h.post({ language, code, input: null, limits, ...extra }).then((r) => r.body);

  it("reads stdin whole, line by line and as numbers; without stdin, reads see end of file", async () => {
    expect(await run(c.stdinAll, { stdin: STDIN })).toMatchObject({ ok: true, result: STDIN });
    expect(await run(c.stdinLines, { stdin: `${STDIN}\n` })).toMatchObject({ ok: true, result: ["first line", "second, ünï", "", "last"] });
    expect(await run(c.stdinNumbers, { stdin: "3 4\n  5\n" })).toMatchObject({ ok: true, result: 12 });
    // The run before left stdin behind on the same warm sandbox: this one has none.
    expect(await run(c.stdinAll)).toMatchObject({ ok: true, result: "" });
    expect(await run(c.stdinLines)).toMatchObject({ ok: true, result: [] });
  });

  it("passes the arguments", async () => {
    expect(await run(c.args, { args: ["a", "b c", "ünï", ""] })).toMatchObject({ ok: true, result: ["a", "b c", "ünï", ""] });
    expect(await run(c.args)).toMatchObject({ ok: true, result: [] });
  });

  it("imports modules from the files, one in a subfolder, and the next run does not see them", async () => {
    const { code, files } = c.importFiles;
    expect(await run(code, { files })).toMatchObject({ ok: true, result: [42, "hi ada 2"] });
    expect(await run(c.importUtil, { files })).toMatchObject({ ok: true, result: 42 });
    const without = await run(c.importUtil);
    expect(without.ok, JSON.stringify(without)).toBe(false);
    expect(without.error.code).toBe("guest_error");
  });

  it("refuses file names that climb out or are absolute", async () => {
    for (const name of ["../util.txt", "/util.txt", "lib/../../util.txt"]) {
      const res = await ctx.h.post({ language, code: c.stdinAll, input: null, files: [{ name, content: "x" }] });
      expect(res.status, name).toBe(400);
      expect(res.body.error.code, name).toBe("invalid_request");
    }
  });

  it("deploys a script with its files, arguments and stdin, and invokes it with them", async () => {
    const name = `inputs-${language}`;
    const { code, files } = c.importFiles;
    const deployed = await ctx.h.request(`/v1/scripts/${name}`, { method: "PUT", body: { language, code, limits, files } });
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(201);
    expect((await ctx.h.request(`/v1/scripts/${name}/invoke`, { method: "POST", body: {} })).body).toMatchObject({ ok: true, result: [42, "hi ada 2"] });
    const withArgs = `${name}-args`;
    expect((await ctx.h.request(`/v1/scripts/${withArgs}`, { method: "PUT", body: { language, code: c.args, limits, args: ["x", "y"] } })).status).toBe(201);
    expect((await ctx.h.request(`/v1/scripts/${withArgs}/invoke`, { method: "POST", body: {} })).body).toMatchObject({ ok: true, result: ["x", "y"] });
    const withStdin = `${name}-stdin`;
    expect((await ctx.h.request(`/v1/scripts/${withStdin}`, { method: "PUT", body: { language, code: c.stdinAll, limits, stdin: "kept" } })).status).toBe(201);
    expect((await ctx.h.request(`/v1/scripts/${withStdin}/invoke`, { method: "POST", body: {} })).body).toMatchObject({ ok: true, result: "kept" });
  });
});
