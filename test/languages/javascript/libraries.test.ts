/**
 * The curated libraries (languages/javascript/libraries.ts) through `POST /v1/run`: each one imported by
 * bare name and its main function used, with the result checked. One engine and app for the file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JAVASCRIPT_LIBRARIES } from "../../../languages/javascript/libraries.ts";
import type { QuickJSEngine } from "../../../src/engine/quickjs/quickjs-engine.ts";
import { appWith, coreEngine } from "../../helpers/fixtures.ts";

let engine: QuickJSEngine;
let h: Awaited<ReturnType<typeof appWith>>;
beforeAll(async () => {
  engine = await coreEngine();
  h = await appWith(engine);
});
afterAll(() => engine.dispose());

const run = async (code: string, input: unknown = null, language = "javascript") => {
  const res = await h.post({ language, code, input });
  expect(res.status).toBe(200);
  return res.body as { ok: boolean; result?: unknown; error?: { code: string; message: string }; usage: { start: string; fuel: number } };
};
const result = async (code: string, input: unknown = null, language = "javascript") => {
  const body = await run(code, input, language);
  expect(body.error).toBeUndefined();
  return body.result;
};

/** Each library: a script that uses its main function, and what it must answer. */
const CASES: Record<string, { code: string; input?: unknown; expected: unknown }> = {
  lodash: {
    code: `import _ from "lodash";\nimport { chunk } from "lodash";\nexport default (input) => [_.groupBy(input, "team"), chunk([1, 2, 3, 4, 5], 2), _.get({ a: { b: [7] } }, "a.b[0]")];`,
    input: [{ team: "a", n: 1 }, { team: "b", n: 2 }, { team: "a", n: 3 }],
    expected: [{ a: [{ team: "a", n: 1 }, { team: "a", n: 3 }], b: [{ team: "b", n: 2 }] }, [[1, 2], [3, 4], [5]], 7],
  },
  ramda: {
    code: `import * as R from "ramda";\nexport default () => R.pipe(R.filter((n) => n % 2 === 0), R.map((n) => n * 10), R.sum)([1, 2, 3, 4]);`,
    expected: 60,
  },
  "date-fns": {
    code: `import { addDays, format, differenceInCalendarDays, parseISO } from "date-fns";\nexport default () => [format(addDays(parseISO("2024-02-27T12:00:00"), 3), "yyyy-MM-dd"), differenceInCalendarDays(parseISO("2024-03-10"), parseISO("2024-02-10"))];`,
    expected: ["2024-03-01", 29],
  },
  dayjs: {
    code: `import dayjs from "dayjs";\nexport default () => [dayjs("2024-01-31").add(1, "month").format("YYYY-MM-DD"), dayjs("2024-03-01").diff(dayjs("2024-02-01"), "day")];`,
    expected: ["2024-02-29", 29],
  },
  ms: {
    code: `import ms from "ms";\nexport default () => [ms("2 days"), ms("1.5h"), ms(60000), ms(90061000, { long: true })];`,
    expected: [172_800_000, 5_400_000, "1m", "1 day"],
  },
  zod: {
    code: `import { z } from "zod";
const User = z.object({ name: z.string().min(2), age: z.number().int().min(18) });
export default (input) => input.map((u) => { const r = User.safeParse(u); return r.success ? r.data.name : r.error.issues.map((i) => i.path.join(".")); });`,
    input: [{ name: "Ada", age: 36 }, { name: "B", age: 12.5 }],
    expected: ["Ada", ["name", "age"]],
  },
  ajv: {
    code: `import Ajv from "ajv";
const ajv = new Ajv({ allErrors: true });
const validate = ajv.compile({ type: "object", properties: { id: { type: "integer" }, tags: { type: "array", items: { type: "string" } } }, required: ["id"], additionalProperties: false });
export default (input) => input.map((x) => (validate(x) ? "ok" : validate.errors.map((e) => e.keyword).sort()));`,
    input: [{ id: 1, tags: ["a"] }, { tags: [1], extra: true }],
    expected: ["ok", ["additionalProperties", "required", "type"]],
  },
  validator: {
    code: `import validator from "validator";\nexport default () => [validator.isEmail("ada@example.com"), validator.isEmail("ada@"), validator.isUUID("9b2f3c1e-8f5a-4d2b-9c7e-1a2b3c4d5e6f", 4), validator.escape("<b>&")];`,
    expected: [true, false, true, "&lt;b&gt;&amp;"],
  },
  uuid: {
    code: `import { v4, v5, validate, version } from "uuid";\nexport default () => { const id = v4(); return [validate(id), version(id), v5("kiln", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")]; };`,
    expected: [true, 4, "744897c3-158e-5e53-9612-ff4639f59c31"], // Node's uuid gives the same v5
  },
  nanoid: {
    code: `import { nanoid, customAlphabet } from "nanoid";\nexport default () => [nanoid().length, /^[A-Za-z0-9_-]{21}$/.test(nanoid()), /^[ab]{8}$/.test(customAlphabet("ab", 8)())];`,
    expected: [21, true, true],
  },
  yaml: {
    code: `import YAML from "yaml";\nexport default (input) => [YAML.parse(input), YAML.stringify({ a: [1, 2], b: "x" })];`,
    input: "name: kiln\nports:\n  - 80\n  - 443\nnested: { on: true }\n",
    expected: [{ name: "kiln", ports: [80, 443], nested: { on: true } }, "a:\n  - 1\n  - 2\nb: x\n"],
  },
  "fast-xml-parser": {
    code: `import { XMLParser, XMLBuilder } from "fast-xml-parser";
export default (input) => { const doc = new XMLParser({ ignoreAttributes: false }).parse(input); return [doc, new XMLBuilder().build({ a: { b: 1 } })]; };`,
    input: `<order id="7"><item>tea</item><item>cake</item></order>`,
    expected: [{ order: { item: ["tea", "cake"], "@_id": "7" } }, "<a><b>1</b></a>"],
  },
  papaparse: {
    code: `import Papa from "papaparse";\nexport default (input) => { const r = Papa.parse(input, { header: true, dynamicTyping: true, skipEmptyLines: true }); return [r.data, Papa.unparse([{ a: 1, b: "x,y" }])]; };`,
    input: "name,qty\ntea,2\n\"cake, big\",1\n",
    expected: [[{ name: "tea", qty: 2 }, { name: "cake, big", qty: 1 }], 'a,b\r\n1,"x,y"'],
  },
  qs: {
    code: `import qs from "qs";\nexport default () => [qs.parse("a[b][c]=1&list[]=x&list[]=y"), qs.stringify({ a: { b: [1, 2] } }, { encode: false })];`,
    expected: [{ a: { b: { c: "1" } }, list: ["x", "y"] }, "a[b][0]=1&a[b][1]=2"],
  },
  "jsonpath-plus": {
    code: `import { JSONPath } from "jsonpath-plus";\nexport default (input) => JSONPath({ path: "$.store.book[?(@.price < 10)].title", json: input });`,
    input: { store: { book: [{ title: "A", price: 8 }, { title: "B", price: 22 }, { title: "C", price: 5 }] } },
    expected: ["A", "C"],
  },
  marked: {
    code: `import { marked } from "marked";\nexport default () => marked.parse("# Hi\\n\\nSome **bold** [link](https://x.test)");`,
    expected: '<h1>Hi</h1>\n<p>Some <strong>bold</strong> <a href="https://x.test">link</a></p>\n',
  },
  mustache: {
    code: `import Mustache from "mustache";\nexport default (input) => Mustache.render("Hi {{name}}!{{#items}} [{{.}}]{{/items}} {{html}}", input);`,
    input: { name: "Ada", items: ["a", "b"], html: "<x>" },
    expected: "Hi Ada! [a] [b] &lt;x&gt;",
  },
  "decimal.js": {
    code: `import Decimal from "decimal.js";\nexport default () => [new Decimal("0.1").plus("0.2").toString(), new Decimal(2).sqrt().toFixed(10), new Decimal("1e-7").times(3).toString()];`,
    expected: ["0.3", "1.4142135624", "3e-7"],
  },
  "big.js": {
    code: `import Big from "big.js";\nexport default () => [new Big("0.1").plus("0.2").toString(), new Big("19.99").times(3).round(1).toString(), new Big(1).div(3).toFixed(5)];`,
    expected: ["0.3", "60", "0.33333"],
  },
  semver: {
    code: `import semver from "semver";\nexport default () => [semver.satisfies("1.4.2", "^1.2.0"), semver.maxSatisfying(["1.2.3", "1.9.0", "2.0.0"], "~1.9"), semver.inc("1.2.3", "minor"), semver.valid("v1.2")];`,
    expected: [true, "1.9.0", "1.3.0", null],
  },
  immer: {
    code: `import { produce } from "immer";\nexport default (input) => { const next = produce(input, (d) => { d.todos[0].done = true; d.todos.push({ t: "c", done: false }); }); return [input.todos.length, next.todos.length, next.todos[0].done, next.todos[1] === input.todos[1]]; };`,
    input: { todos: [{ t: "a", done: false }, { t: "b", done: false }] },
    expected: [2, 3, true, true], // the untouched todo is shared, not copied
  },
};

describe("curated JavaScript libraries through /v1/run", () => {
  it("has a case for every library offered, and GET /v1/languages lists them with their versions", async () => {
    expect(Object.keys(CASES).sort()).toEqual(JAVASCRIPT_LIBRARIES.map((l) => l.name).sort());
    expect(JAVASCRIPT_LIBRARIES.length).toBeGreaterThanOrEqual(20);
    const res = await h.request("/v1/languages");
    const byName = new Map((res.body.languages as { name: string; libraries?: unknown }[]).map((l) => [l.name, l.libraries]));
    expect(byName.get("javascript")).toEqual(JAVASCRIPT_LIBRARIES);
    expect(byName.get("typescript")).toEqual(JAVASCRIPT_LIBRARIES);
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: its main function works`, async () => {
      expect(await result(c.code, c.input ?? null)).toEqual(c.expected);
    });
  }

  it("TypeScript imports the same libraries", async () => {
    const code = `import { z } from "zod";\nimport _ from "lodash";\nconst S = z.array(z.number());\nexport default (input: unknown): number => _.sum(S.parse(input));`;
    expect(await result(code, [1, 2, 3], "typescript")).toBe(6);
  });

  it("importing a library that is not offered is a guest_error naming the offered ones", async () => {
    const body = await run(`import axios from "axios";\nexport default () => 1;`);
    expect(body).toMatchObject({ ok: false, error: { code: "guest_error" } });
    expect(body.error!.message).toContain("axios");
    for (const l of JAVASCRIPT_LIBRARIES) expect(body.error!.message).toContain(l.name);
    const dynamic = await run(`export default async () => { try { await import("left-pad"); } catch (e) { return String(e.message); } };`);
    expect(dynamic.result).toMatch(/left-pad.*not one of the libraries offered.*lodash/);
  });

  it("a missing relative file is still reported as a file, not as a library", async () => {
    const body = await run(`import { x } from "./nope.js";\nexport default () => x;`);
    expect(body.ok).toBe(false);
    expect(body.error!.message).toContain("nope.js");
    expect(body.error!.message).not.toContain("libraries offered");
  });

  it("a script that imports a library is snapshotted: repeats start warm with the same result and fuel", async () => {
    const code = `import _ from "lodash";\nexport default (input) => _.chunk(input, 2);`;
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await run(code, [1, 2, 3]));
    for (const r of runs) expect(r.result).toEqual([[1, 2], [3]]);
    expect(runs.at(-1)!.usage.start).toBe("warm");
    expect(new Set(runs.map((r) => r.usage.fuel)).size).toBe(1);
  });

  it("a run that changes a library's exports does not change them for the next run", async () => {
    const code = `import _ from "lodash";\nexport default (input) => { const before = _.chunk([1, 2, 3], 2).length; if (input) _.chunk = () => "patched"; return before; };`;
    for (let i = 0; i < 4; i++) expect(await result(code, i % 2 === 0)).toBe(2);
  });
});
