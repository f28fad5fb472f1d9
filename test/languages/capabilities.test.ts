/**
 * The host's capabilities in every language, through each language's generated `kiln` binding and
 * `POST /v1/run` on the real app (the Node worker pool): kv is read and written, http without a
 * grant is refused with `capability_denied`, and a log entry arrives in the response's `logs`.
 * Looped over the language list (cases.ts): a new language needs its fixtures' `capabilities`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkerPoolEngine } from "../../src/adapters/node/worker-pool.ts";
import { appWith, workerPool } from "../helpers/fixtures.ts";
import { cases } from "./cases.ts";

// One kv file, as on a real server, so every worker and the host thread see the same store.
const dir = mkdtempSync(join(tmpdir(), "kiln-capabilities-"));
const ctx = {} as { pool: WorkerPoolEngine; h: Awaited<ReturnType<typeof appWith>> };
beforeAll(async () => {
  ctx.pool = await workerPool({ size: 2, kvPath: join(dir, "kv.sqlite") });
  ctx.h = await appWith(ctx.pool);
});
afterAll(async () => {
  await ctx.pool.close();
  expect(ctx.pool.threads).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});
const limits = { timeoutMs: 30_000 };

it("covers every language the server runs but callers' components", async () => {
  const { body } = await ctx.h.request("/v1/languages");
  const served = body.languages.map((l: { name: string }) => l.name).filter((name: string) => name !== "component");
  expect(Object.keys(cases).sort()).toEqual(served.sort());
});

describe.each(Object.keys(cases))("%s", (language) => {
  it("reads and writes kv, is refused http without a grant, and writes a log entry", async () => {
    const grants = { kv: { namespace: `capabilities-${language}` } };
    const out = (await ctx.h.post({ language, code: cases[language]!.capabilities, grants, limits })).body;
    expect(out, JSON.stringify(out)).toMatchObject({ ok: true, result: ["hi", "capability_denied"] });
    expect(out.logs).toEqual([expect.objectContaining({ level: "info", message: "capabilities ran" })]);
    // The write reached the store: another run, in JavaScript, reads it.
    const peek = await ctx.h.post({ language: "javascript", code: `import { kv } from "kiln";\nexport default async () => [await kv.get("greeting"), await kv.list("", null)]`, grants });
    expect(peek.body).toMatchObject({ ok: true, result: ["hi", ["greeting"]] });
  });
});
