/** The WIT in wit/ is the contract: the TypeScript signatures, the host and the guest's `kiln` module must match it. */
import { componentEmbed } from "@bytecodealliance/jco";
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QuickJSEngine } from "../../src/engine/quickjs/quickjs-engine.ts";
import { MemoryKvStore } from "../../src/capabilities/kv-store.ts";
import { requestToJson, responseToJson } from "../../src/capabilities/http-json.ts";
import { RECORDS, SIGNATURES } from "../../src/capabilities/wit.ts";
import { createQuickJSEngine } from "../../src/quickjs-defaults.ts";
import { coreEngine, job, quickjsWasm } from "../helpers/fixtures.ts";

const WIT_DIR = new URL("../../wit/", import.meta.url);
const files = readdirSync(WIT_DIR).filter((f) => f.endsWith(".wit")).sort();
const sources = files.map((f) => readFileSync(new URL(f, WIT_DIR), "utf8"));

const camel = (name: string) => name.replace(/^%/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const PARAM_TYPES: Record<string, string> = { string: "string", level: "level", "option<u32>": "u32?", "option<u64>": "u64?", request: "request" };
const RESULT_TYPES: Record<string, string> = { _: "void", bool: "bool", "option<string>": "string?", "list<string>": "strings", response: "response" };

/** Interface name → function name → parameter types, read from the WIT text. */
function witFunctions(): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const source of sources) {
    for (const m of source.matchAll(/^interface ([a-z-]+) \{([\s\S]*?)^\}/gm)) {
      const fns: Record<string, string[]> = {};
      for (const f of m[2]!.matchAll(/^\s*(%?[a-z-]+): func\(([^)]*)\)/gm)) {
        const params = f[2]!.trim() ? f[2]!.split(",").map((p) => p.split(":")[1]!.trim()) : [];
        fns[camel(f[1]!)] = params.map((t) => PARAM_TYPES[t] ?? `unmapped:${t}`);
      }
      if (Object.keys(fns).length) out[m[1]!] = fns;
    }
  }
  return out;
}

/** Interface name → function name → result type (the ok side of `result<T, host-error>`), read from the WIT text. */
function witResults(): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const source of sources) {
    for (const m of source.matchAll(/^interface ([a-z-]+) \{([\s\S]*?)^\}/gm)) {
      for (const f of m[2]!.matchAll(/^\s*(%?[a-z-]+): func\([^)]*\) -> result<(.+), host-error>;/gm)) {
        (out[m[1]!] ??= {})[camel(f[1]!)] = RESULT_TYPES[f[2]!] ?? `unmapped:${f[2]}`;
      }
    }
  }
  return out;
}

/** "interface.record" → field → WIT type, in order, read from the WIT text (doc comments skipped). */
function witRecords(): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const source of sources) {
    for (const m of source.matchAll(/^interface ([a-z-]+) \{([\s\S]*?)^\}/gm)) {
      for (const r of m[2]!.matchAll(/^\s*record ([a-z-]+) \{([\s\S]*?)^\s*\}/gm)) {
        const fields: Record<string, string> = {};
        for (const line of r[2]!.split("\n")) {
          const field = line.match(/^\s*([a-z-]+):\s*(.+?),?\s*$/);
          if (field) fields[field[1]!] = field[2]!;
        }
        out[`${m[1]}.${r[1]}`] = fields;
      }
    }
  }
  return out;
}

/** The keys of a record's JSON form, derived from its WIT fields by the rules in wit/http.wit: bytes gain an `…Encoding`. */
function jsonKeys(fields: Record<string, string>): string[] {
  return Object.entries(fields)
    .flatMap(([name, type]) => (/^(option<)?list<u8>>?$/.test(type) ? [camel(name), `${camel(name)}Encoding`] : [camel(name)]))
    .sort();
}

describe("the WIT contract", () => {
  it("is a valid WIT package with a `script` world (checked by jco's wit parser)", async () => {
    let first = true;
    const witSource = sources.map((s) => s.replace(/^package [^;]+;\n/m, (decl) => (first ? ((first = false), decl) : ""))).join("\n");
    const embedded = await componentEmbed({ dummy: true, witSource, world: "script" });
    expect(embedded.byteLength).toBeGreaterThan(0);
  });

  it("the world imports exactly the interfaces the host implements", () => {
    const world = sources.join("\n").match(/world script \{([\s\S]*?)\}/)![1]!;
    const imports = [...world.matchAll(/^\s*import ([a-z-]+);/gm)].map((m) => m[1]);
    expect(imports.sort()).toEqual(Object.keys(SIGNATURES).sort());
  });

  it("src/capabilities/wit.ts has the WIT's functions and parameter types", () => {
    const fromTs = Object.fromEntries(
      Object.entries(SIGNATURES).map(([i, fns]) => [i, Object.fromEntries(Object.entries(fns).map(([f, s]) => [f, [...s.params]]))]),
    );
    expect(fromTs).toEqual(witFunctions());
  });

  it("src/capabilities/wit.ts has the WIT's result types", () => {
    const fromTs = Object.fromEntries(Object.entries(SIGNATURES).map(([i, fns]) => [i, Object.fromEntries(Object.entries(fns).map(([f, s]) => [f, s.result]))]));
    expect(fromTs).toEqual(witResults());
  });

  it("src/capabilities/wit.ts has the WIT's records, field by field, and every record type a signature names", () => {
    expect(RECORDS).toEqual(witRecords());
    const named = Object.values(SIGNATURES).flatMap((fns) => Object.values(fns).flatMap((s) => [...s.params, s.result]));
    for (const record of Object.keys(RECORDS)) expect(named).toContain(record.split(".")[1]);
  });

  it("the JSON form of http's records has the keys derived from their WIT fields", () => {
    const response = responseToJson({ status: 200, headers: [["a", "1"]], body: new Uint8Array([0xff]) });
    expect(Object.keys(response).sort()).toEqual(jsonKeys(RECORDS["http.response"]));
    const request = requestToJson({ method: "GET", url: "http://x/", headers: [], body: null });
    expect(Object.keys(request).sort()).toEqual(jsonKeys(RECORDS["http.request"]));
  });

  describe("the guest's kiln module", () => {
    let engine: QuickJSEngine;
    beforeAll(async () => (engine = await coreEngine()));
    afterAll(() => engine.dispose());

    it("exports the WIT's interfaces and functions, frozen", async () => {
      const out = await engine.run(
        job(
          "javascript",
          `import kiln, * as named from "kiln";
           export default () => ({
             surface: Object.fromEntries(Object.entries(kiln).map(([i, o]) => [i, Object.keys(o).sort()])),
             named: Object.keys(named).filter((k) => k !== "default" && k !== "HostError").sort(),
             frozen: Object.isFrozen(kiln) && Object.values(kiln).every(Object.isFrozen),
           })`,
        ),
      );
      const wit = witFunctions();
      expect(out).toMatchObject({
        ok: true,
        result: {
          surface: Object.fromEntries(Object.entries(wit).map(([i, fns]) => [i, Object.keys(fns).sort()])),
          named: Object.keys(wit).sort(),
          frozen: true,
        },
      });
    });

    it("every interface is reachable when granted", async () => {
      using own = createQuickJSEngine(await quickjsWasm(), { services: { kv: new MemoryKvStore() } });
      const out = await own.run(
        job(
          "javascript",
          `import { log, kv, secrets } from "kiln";
           export default async () => { log.write("info", "hi"); await kv.set("a", "1", null); return [await kv.get("a"), await kv.list("", 10), await kv.delete("a"), secrets.get("S")] }`,
          { grants: { kv: { namespace: "t" }, secrets: { S: "v" } } },
        ),
      );
      expect(out).toMatchObject({ ok: true, result: ["1", ["a"], true, "v"], logs: [{ level: "info", message: "hi" }] });
    });
  });
});
