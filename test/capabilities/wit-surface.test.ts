/**
 * Every function of every WIT interface is reachable from every language Kiln runs, through the
 * language's generated binding, under the WIT's names (in the language's convention) with the WIT's
 * arguments in the WIT's order; and refused with `capability_denied` when the run was not granted
 * its interface. Looped over the language list (languages/index.ts): a new language is covered by
 * its fixtures' `hostCalls` (languages/<name>/fixtures.ts). Through `POST /v1/run` on the real app.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkerPoolEngine } from "../../src/adapters/node/worker-pool.ts";
import { SIGNATURE_TABLE, ENUMS } from "../../src/capabilities/wit.ts";
import { loadConfig } from "../../src/config.ts";
import { appWith, workerPool } from "../helpers/fixtures.ts";
import { cases, type HostCall } from "../languages/cases.ts";

// A server that grants every interface: kv, http to example.invalid (never reached: the sample request is refused first), the secret `name`.
const ctx = {} as { pool: WorkerPoolEngine; h: Awaited<ReturnType<typeof appWith>> };
beforeAll(async () => {
  ctx.pool = await workerPool({ size: 2 });
  ctx.h = await appWith(
    ctx.pool,
    loadConfig({ KILN_GRANTS: JSON.stringify({ kv: { namespaces: ["*"] }, http: { allow: ["example.invalid"] } }), KILN_SECRETS: JSON.stringify({ name: "the-secret" }) }),
  );
});
afterAll(async () => {
  await ctx.pool.close();
  expect(ctx.pool.threads).toBe(0);
});
const languages = Object.keys(cases);
const limits = { timeoutMs: 30_000 };

/**
 * An argument for a parameter, from its WIT type and name: a string is the parameter's name (so `key`
 * is "key" and `value` is "value" wherever they are), an enum its first case, an option null, an
 * integer 1, a record its parameter's name (which http reads as a URL and refuses as invalid).
 */
function sample(iface: string, type: string, name: string): unknown {
  if (type.startsWith("option<")) return null;
  const cases = (ENUMS as Record<string, readonly string[]>)[`${iface}.${type}`];
  if (cases) return cases[0];
  if (/^[us](8|16|32|64)$/.test(type)) return 1;
  if (type === "bool") return true;
  return name;
}

/**
 * Every WIT function in WIT order with sample arguments, then again in reverse order (so each function
 * runs both before and after each other one: a kv.get after a kv.set sees its value).
 */
const forward: HostCall[] = Object.entries(SIGNATURE_TABLE).flatMap(([iface, fns]) =>
  Object.values(fns).map((sig) => ({ iface, fn: sig.name, args: sig.params.map((type, i) => sample(iface, type, sig.names[i]!)) })),
);
const calls = [...forward, ...[...forward].reverse()];
const functions = forward.map((c) => `${c.iface}.${c.fn}`);
/** Lua drops a nil at the end of a table: its `["ok", nil]` is `["ok"]`. */
const normal = (results: unknown[][]) => results.map(([tag, value]) => [tag, value ?? null]);

const run = (language: string, code: string, grants?: object) => ctx.h.post({ language, code, grants, limits }).then((r) => r.body);

describe("the WIT surface in every language", () => {
  it("covers every language the server runs but callers' components", () => {
    expect(languages.sort()).toEqual(["javascript", "lua", "python", "ruby", "typescript"]);
    expect(functions).toContain("kv.set");
  });

  it("javascript's kiln module exports exactly the WIT's interfaces and functions (camelCase), frozen", async () => {
    const out = await run(
      "javascript",
      `import kiln, * as named from "kiln";
       export default () => ({
         surface: Object.fromEntries(Object.entries(kiln).map(([i, o]) => [i, Object.keys(o).sort()])),
         named: Object.keys(named).filter((k) => k !== "default" && k !== "HostError").sort(),
         frozen: Object.isFrozen(kiln) && Object.values(kiln).every(Object.isFrozen),
       })`,
    );
    expect(out).toMatchObject({
      ok: true,
      result: {
        surface: Object.fromEntries(Object.entries(SIGNATURE_TABLE).map(([i, fns]) => [i, Object.keys(fns).sort()])),
        named: Object.keys(SIGNATURE_TABLE).sort(),
        frozen: true,
      },
    });
  });

  /** What JavaScript answers, by namespace: each language must answer the same. */
  const reference = new Map<string, unknown[][]>();
  let runs = 0;
  const granted = async (language: string) => {
    const namespace = `surface-${language}-${++runs}`; // each run starts with an empty namespace
    return run(language, cases[language]!.hostCalls(calls), { kv: { namespace }, http: { allow: ["example.invalid"] }, secrets: ["name"] });
  };

  it("javascript: every function answers as the WIT says when granted, arguments in WIT order", async () => {
    const out = await granted("javascript");
    expect(out.ok, JSON.stringify(out)).toBe(true);
    const results = normal(out.result);
    reference.set("granted", results);
    const byName = (pass: number) => Object.fromEntries(calls.map((c, i) => [`${c.iface}.${c.fn}`, results[i]] as const).slice(pass * functions.length, (pass + 1) * functions.length));
    // Forward, kv.set("key", "value") then kv.delete("key") is true; backward, kv.set("key", "value") then kv.get("key") is "value".
    expect(byName(0)).toMatchObject({ "kv.get": ["ok", null], "kv.set": ["ok", null], "kv.delete": ["ok", true], "kv.list": ["ok", []], "secrets.get": ["ok", "the-secret"], "log.write": ["ok", null] });
    expect(byName(1)).toMatchObject({ "kv.get": ["ok", "value"], "kv.delete": ["ok", false], "http.fetch": ["err", "invalid_argument"] });
    for (const f of functions) expect(byName(1)[f]![1], f).not.toBe("capability_denied");
    expect(out.logs).toEqual([
      { level: "debug", message: "message" },
      { level: "debug", message: "message" },
    ].map((l) => expect.objectContaining(l)));
  });

  describe.each(languages)("%s", (language) => {
    it("reaches every function of every interface with the WIT's names and argument order, answering as JavaScript does", async () => {
      const out = await granted(language);
      expect(out.ok, JSON.stringify(out)).toBe(true);
      expect(normal(out.result)).toEqual(reference.get("granted"));
      expect(out.logs.map((l: { level: string; message: string }) => [l.level, l.message])).toEqual([
        ["debug", "message"],
        ["debug", "message"],
      ]);
    });

    it("is refused with capability_denied by every function whose interface the run was not granted (log is always granted)", async () => {
      const out = await run(language, cases[language]!.hostCalls(calls.slice(0, functions.length)));
      expect(out.ok, JSON.stringify(out)).toBe(true);
      const results = normal(out.result);
      expect(results).toHaveLength(functions.length);
      functions.forEach((f, i) => expect(results[i], f).toEqual(f.startsWith("log.") ? ["ok", null] : ["err", "capability_denied"]));
    });
  });
});
