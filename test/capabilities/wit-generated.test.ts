/**
 * wit/ is the one source of the host contract: what `npm run wit:generate` writes matches it, the
 * WIT reader reads what jco reads, the host can take and answer every WIT type, and a new WIT
 * function flows into every language's binding with no edit but the WIT.
 */
import { componentEmbed } from "@bytecodealliance/jco";
import { describe, expect, it } from "vitest";
import { generatedFiles, staleFiles, witFiles } from "../../wit/generate.ts";
import { pythonKilnFunctions } from "../../languages/python/binding.ts";
import { luaKilnTable } from "../../languages/lua/binding.ts";
import { rubyKilnModules } from "../../languages/ruby/binding.ts";
import { requestToJson, responseToJson } from "../../src/capabilities/http-json.ts";
import { unsupportedWitTypes } from "../../src/capabilities/run-host.ts";
import { camelCase, generateWitTs, importedInterfaces, pascalCase, signatureTable } from "../../src/capabilities/wit-codegen.ts";
import { readWit, type WitInterface } from "../../src/capabilities/wit-reader.ts";
import { RECORDS, SIGNATURES } from "../../src/capabilities/wit.ts";
import { guestKilnModule } from "../../src/engine/quickjs/guest-kiln.ts";

const wit = readWit(witFiles());

/** wit/ with a new function kv.has-key added to wit/kv.wit, and nothing else edited. */
function withKvHasKey() {
  const files = witFiles();
  const added = "  /// Whether `key` is stored.\n  has-key: func(key: string, max-age-ms: option<u64>) -> result<bool, host-error>;\n";
  return readWit({ ...files, "kv.wit": files["kv.wit"]!.replace(/(\n\s*%list: func[^\n]*\n)/, `$1${added}`) });
}

describe("the generated files", () => {
  it("are what npm run wit:generate makes from wit/ now (run it after editing wit/, then languages/python/rebuild-snapshot.sh)", async () => {
    expect(await staleFiles()).toEqual([]);
  });

  it("the check can fail: a changed WIT changes the generated TypeScript", async () => {
    const changed = withKvHasKey();
    expect(generateWitTs(changed)).not.toBe((await generatedFiles())["src/capabilities/wit.generated.ts"]);
  });
});

describe("the WIT", () => {
  it("is a valid WIT package with a `script` world (checked by jco's wit parser)", async () => {
    let first = true;
    const witSource = Object.values(witFiles())
      .map((s) => s.replace(/^package [^;]+;\n/m, (decl) => (first ? ((first = false), decl) : "")))
      .join("\n");
    const embedded = await componentEmbed({ dummy: true, witSource, world: "script" });
    expect(embedded.byteLength).toBeGreaterThan(0);
  });

  it("every host function returns result<T, host-error>, and the host can read every parameter type and answer every result type", () => {
    for (const iface of importedInterfaces(wit)) for (const fn of iface.functions) expect(fn.result).toMatch(/^result<.+, host-error>$/);
    expect(unsupportedWitTypes(SIGNATURES)).toEqual([]);
  });

  it("the JSON form of http's records has the keys derived from their WIT fields", () => {
    const jsonKeys = (fields: Record<string, string>) =>
      Object.entries(fields)
        .flatMap(([name, type]) => (/^(option<)?list<u8>>?$/.test(type) ? [camelCase(name), `${camelCase(name)}Encoding`] : [camelCase(name)]))
        .sort();
    const response = responseToJson({ status: 200, headers: [["a", "1"]], body: new Uint8Array([0xff]) });
    expect(Object.keys(response).sort()).toEqual(jsonKeys(RECORDS["http.response"]));
    const request = requestToJson({ method: "GET", url: "http://x/", headers: [], body: null });
    expect(Object.keys(request).sort()).toEqual(jsonKeys(RECORDS["http.request"]));
  });
});

/** A WIT type as jco's `types` writes it for a component's imports. */
function jcoType(type: string, iface: WitInterface): string {
  const generic = type.match(/^([a-z]+)<(.*)>$/);
  if (generic?.[1] === "option") return `${jcoType(generic[2]!, iface)} | undefined`;
  if (type === "list<u8>") return "Uint8Array";
  if (generic?.[1] === "list") return `Array<${jcoType(generic[2]!, iface)}>`;
  if (generic?.[1] === "tuple") return `[${generic[2]!.split(", ").map((t) => jcoType(t, iface)).join(", ")}]`;
  if (type === "string") return "string";
  if (type === "bool") return "boolean";
  if (type === "u64" || type === "s64") return "bigint";
  if (/^[us](8|16|32)$|^f(32|64)$/.test(type)) return "number";
  if (type === "_") return "void";
  return pascalCase(type);
}

describe("the WIT reader (src/capabilities/wit-reader.ts)", () => {
  it("reads the functions, parameters, results and records that jco reads (its `jco types` output)", async () => {
    const files = await generatedFiles();
    for (const iface of importedInterfaces(wit)) {
      const dts = files[`src/capabilities/generated/interfaces/kiln-sandbox-${iface.name}.d.ts`]!;
      expect(dts, iface.name).toBeDefined();
      // jco: `export function get(key: string): string | undefined;` or, for a reserved word, `declare function _delete(…)`.
      const jcoFns = [...dts.matchAll(/^(?:export|declare) function _?([a-zA-Z0-9]+)\((.*)\): (.+);$/gm)].map((m) => `${m[1]}(${m[2]}): ${m[3]}`);
      const ours = iface.functions.map((fn) => `${camelCase(fn.name)}(${fn.params.map((p) => `${camelCase(p.name)}: ${jcoType(p.type, iface)}`).join(", ")}): ${jcoType(fn.ok, iface)}`);
      expect(ours, iface.name).toEqual(jcoFns);
      for (const record of iface.records) {
        const body = dts.match(new RegExp(`export interface ${pascalCase(record.name)} \\{([\\s\\S]*?)\\n\\}`))?.[1] ?? "";
        const jcoFields = [...body.replace(/\/\*\*[\s\S]*?\*\//g, "").matchAll(/^\s*([a-zA-Z0-9]+)(\??): (.+),$/gm)].map((m) => `${m[1]}${m[2]}: ${m[3]}`);
        const ourFields = record.fields.map((f) => (f.type.startsWith("option<") ? `${camelCase(f.name)}?: ${jcoType(f.type.slice(7, -1), iface)}` : `${camelCase(f.name)}: ${jcoType(f.type, iface)}`));
        expect(ourFields, `${iface.name}.${record.name}`).toEqual(jcoFields);
      }
      for (const e of iface.enums) expect(dts).toContain(`export type ${pascalCase(e.name)} = ${e.cases.map((c) => `'${c}'`).join(" | ")};`);
    }
  });

  it("refuses WIT it does not understand instead of misreading it", () => {
    expect(() => readWit({ "a.wit": "package a:b;\ninterface i {\n  resource r;\n}" })).toThrow(/a\.wit:3/);
    expect(() => readWit({ "a.wit": "package a:b;\ninterface i {\n  f: func() -> string;\n}" })).toThrow(/result<T, host-error>/);
  });
});

describe("a new WIT function", () => {
  // kv.has-key, added to wit/kv.wit: nothing else is edited. Each language names it in its convention.
  const changed = withKvHasKey();
  const table = signatureTable(changed);

  it("is in the signature table with its WIT parameters, result and async-ness, and in the host's TypeScript shape", () => {
    expect(table.kv!.hasKey).toEqual({ name: "has-key", params: ["string", "option<u64>"], names: ["key", "max-age-ms"], result: "bool", async: true, docs: "Whether `key` is stored." });
    expect(generateWitTs(changed)).toContain("hasKey(key: string, maxAgeMs: number | null): Promise<boolean>;");
  });

  it("is in every language's generated binding, with the WIT's name and parameters in order", () => {
    expect(guestKilnModule(table)).toContain(`hasKey: callAsync("kv", "hasKey")`);
    expect(luaKilnTable(table)).toContain(`has_key = fn("kv.hasKey", 2)`);
    expect(rubyKilnModules(table)).toContain(`def self.has_key(key, max_age_ms = nil) = Kiln.call('kv.hasKey', key, max_age_ms)`);
    expect(pythonKilnFunctions(table)).toContain(`def _kv_has_key(key, max_age_ms=None):\n    """Whether \`key\` is stored."""\n    return _call("kv.hasKey", [key, max_age_ms])`);
    expect(pythonKilnFunctions(table)).toContain(`"has_key": _kv_has_key`);
  });
});
