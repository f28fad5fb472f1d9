/**
 * languages/python: the pure-Python Debian packages in python311.zip (packages.lock, stdlib.py's PACKAGES),
 * each put to a real use through POST /v1/run, with its result checked. They are not in the Wizer
 * snapshot: each run imports them from the zip.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appWith, componentEngine } from "../../helpers/fixtures.ts";
import type { ComponentEngine } from "../../../src/engine/component/component-engine.ts";

let engine: ComponentEngine;
let h: Awaited<ReturnType<typeof appWith>>;
beforeAll(async () => {
  engine = await componentEngine();
  h = await appWith(engine);
});
afterAll(() => engine.dispose());

const run = async (code: string, input: unknown = null) => {
  const res = await h.post({ language: "python", code, input });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.ok, JSON.stringify(res.body)).toBe(true);
  return res.body.result;
};

describe("Python packages", () => {
  it("PyYAML (pure, no libyaml) loads and dumps YAML; toml and tomli_w write TOML that tomllib reads back", async () => {
    const code = `
import yaml, toml, tomli_w, tomllib
def main(input):
    doc = yaml.safe_load(input["yaml"])
    return {
        "libyaml": yaml.__with_libyaml__,
        "doc": doc,
        "dumped": yaml.safe_dump({"b": [1, 2], "a": "x"}, sort_keys=True),
        "toml": toml.loads(toml.dumps(doc)),
        "tomli_w": tomli_w.dumps({"title": "kiln", "owner": {"id": 7}}),
        "roundtrip": tomllib.loads(tomli_w.dumps(doc)) == doc,
    }`;
    const result = await run(code, { yaml: "name: kiln\nreplicas: 3\nports: [80, 443]\nlabels: {tier: web}\n" });
    const doc = { name: "kiln", replicas: 3, ports: [80, 443], labels: { tier: "web" } };
    expect(result).toEqual({
      libyaml: false,
      doc,
      dumped: "a: x\nb:\n- 1\n- 2\n",
      toml: doc,
      tomli_w: 'title = "kiln"\n\n[owner]\nid = 7\n',
      roundtrip: true,
    });
  });

  it("Jinja2 renders a template with autoescaping through MarkupSafe's pure-Python escape", async () => {
    const code = `
import jinja2, markupsafe
def main(input):
    env = jinja2.Environment(autoescape=True)
    t = env.from_string("<ul>{% for u in users %}<li>{{ u.name|title }} ({{ u.age }})</li>{% endfor %}</ul>{{ note }}")
    return {
        "html": t.render(users=input["users"], note="<b>&</b>"),
        "escape": str(markupsafe.escape("<a href='x'>")),
        "speedups": markupsafe.escape.__module__,
    }`;
    const result = await run(code, { users: [{ name: "ada lovelace", age: 36 }, { name: "alan", age: 41 }] });
    expect(result).toEqual({
      html: "<ul><li>Ada Lovelace (36)</li><li>Alan (41)</li></ul>&lt;b&gt;&amp;&lt;/b&gt;",
      escape: "&lt;a href=&#39;x&#39;&gt;",
      speedups: "markupsafe._native",
    });
  });

  it("python-dateutil parses and adds relative deltas and recurrences; pytz and zoneinfo convert with the IANA database", async () => {
    const code = `
from datetime import datetime
from zoneinfo import ZoneInfo
from dateutil import parser, relativedelta, rrule
import pytz
def main(input):
    d = parser.isoparse(input["when"])
    paris = pytz.timezone("Europe/Paris")
    local = paris.localize(datetime(2024, 7, 1, 12, 0))
    return {
        "parsed": parser.parse("March 3rd, 2024 4:05 PM").isoformat(),
        "plus": (d + relativedelta.relativedelta(months=+1, day=31)).isoformat(),
        "fridays": [x.day for x in rrule.rrule(rrule.WEEKLY, byweekday=rrule.FR, count=3, dtstart=datetime(2024, 1, 1))],
        "pytz": local.isoformat(),
        "pytz_utc": local.astimezone(pytz.utc).isoformat(),
        "tokyo": datetime(2024, 1, 1, tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Asia/Tokyo")).isoformat(),
        "zones": "America/New_York" in pytz.all_timezones_set and len(pytz.common_timezones) > 400,
        "country": pytz.country_timezones("nz"),
    }`;
    const result = await run(code, { when: "2024-01-31T10:00:00" });
    expect(result).toEqual({
      parsed: "2024-03-03T16:05:00",
      plus: "2024-02-29T10:00:00",
      fridays: [5, 12, 19],
      pytz: "2024-07-01T12:00:00+02:00",
      pytz_utc: "2024-07-01T10:00:00+00:00",
      tokyo: "2024-01-01T09:00:00+09:00",
      zones: true,
      country: ["Pacific/Auckland", "Pacific/Chatham"],
    });
  });

  it("attrs builds validated classes; six's helpers work; mpmath computes to 50 digits", async () => {
    const code = `
import attr, attrs, six, mpmath
@attrs.define
class Point:
    x: int = attrs.field(validator=attrs.validators.instance_of(int))
    y: int = 0
@attr.s(frozen=True)
class Tag:
    name = attr.ib()
def main(input):
    try:
        Point("a")
        invalid = None
    except TypeError as e:
        invalid = "TypeError"
    mpmath.mp.dps = 50
    return {
        "point": repr(Point(1, 2)),
        "asdict": attrs.asdict(Point(3)),
        "eq": Tag("a") == Tag("a"),
        "invalid": invalid,
        "six": [six.PY3, six.ensure_str(b"kiln"), sorted(six.iteritems({"b": 2, "a": 1}))],
        "pi": str(mpmath.pi),
        "root": mpmath.nstr(mpmath.findroot(lambda x: x**2 - 2, 1), 20),
    }`;
    const result = await run(code);
    expect(result).toEqual({
      point: "Point(x=1, y=2)",
      asdict: { x: 3, y: 0 },
      eq: true,
      invalid: "TypeError",
      six: [true, "kiln", [["a", 1], ["b", 2]]],
      pi: "3.1415926535897932384626433832795028841971693993751",
      root: "1.4142135623730950488",
    });
  });

  it("an import of a package that is not offered is a guest error that names the packages offered", async () => {
    const res = await h.post({ language: "python", code: "import sympy" });
    expect(res.body.ok).toBe(false);
    expect(res.body.error.code).toBe("guest_error");
    expect(res.body.error.message).toContain("ModuleNotFoundError: No module named 'sympy'");
    expect(res.body.error.message).toContain("Kiln's Python has the standard library and these packages: attr, attrs, dateutil, jinja2, markupsafe, mpmath, pytz, six, toml, tomli_w, tzdata, yaml");
    // A script that catches it sees Python's own message.
    const caught = await h.post({ language: "python", code: "def main():\n    try:\n        import sympy\n    except ImportError as e:\n        return str(e)" });
    expect(caught.body.result).toBe("No module named 'sympy'");
  });

  it("names the same packages as the zip holds (stdlib.py's PACKAGES, plus tzdata)", () => {
    const read = (name: string) => readFileSync(new URL(`../../../languages/python/${name}`, import.meta.url), "utf8");
    const names = (text: string) => [...text.matchAll(/"([\w.]+)"/g)].map((m) => m[1]!.replace(/\.py$/, ""));
    const zip = names(/^PACKAGES = \[([^\]]*)\]/m.exec(read("stdlib.py"))![1]!);
    const runner = names(/^PACKAGES = \(([^)]*)\)/m.exec(read("kiln_runner.py"))![1]!);
    expect(runner).toEqual([...zip, "tzdata"].sort());
  });

  it("lists the packages in GET /v1/languages", async () => {
    const res = await h.request("/v1/languages");
    const python = res.body.languages.find((l: { name: string }) => l.name === "python");
    expect(python.libraries).toEqual(expect.arrayContaining([{ name: "PyYAML", version: "6.0" }, { name: "Jinja2", version: "3.1.2" }, { name: "pytz", version: "2022.7.1" }]));
  });
});
