/**
 * A reader for the WIT Kiln's host contract is written in (wit/): packages, interfaces with `use`,
 * records, enums, variants and functions, and worlds, each with its `///` doc comment. It reads the
 * subset wit/ uses and refuses anything else, so a WIT change it does not understand fails
 * `npm run wit:generate` instead of being misread. test/capabilities/wit-generated.test.ts checks what
 * it reads against jco's own parse of the same files (`jco types`). Web APIs only: no file access
 * here (wit/generate.ts reads the files).
 */

export interface WitParam {
  /** The WIT name (kebab-case, without a `%` escape). */
  name: string;
  /** The WIT type as written, normalised: `option<u64>`, `list<tuple<string, string>>`, `request`. */
  type: string;
}

export interface WitFunction {
  name: string;
  docs: string;
  params: WitParam[];
  /** The `ok` side of `result<T, host-error>`, `_` for none. */
  ok: string;
  /** The whole result type as written: every host function returns `result<T, host-error>`. */
  result: string;
}

export interface WitRecord {
  name: string;
  docs: string;
  fields: (WitParam & { docs: string })[];
}

export interface WitEnum {
  name: string;
  docs: string;
  cases: string[];
}

export interface WitVariant {
  name: string;
  docs: string;
  cases: { name: string; type: string | null; docs: string }[];
}

export interface WitInterface {
  name: string;
  docs: string;
  uses: { from: string; names: string[] }[];
  functions: WitFunction[];
  records: WitRecord[];
  enums: WitEnum[];
  variants: WitVariant[];
}

export interface WitWorld {
  name: string;
  docs: string;
  imports: string[];
  exports: { name: string; params: WitParam[]; result: string }[];
}

export interface WitPackage {
  /** `kiln:sandbox@0.1.0` */
  package: string;
  interfaces: WitInterface[];
  worlds: WitWorld[];
}

type Token = { kind: "word" | "punct" | "doc"; text: string; line: number };

function tokenize(source: string, file: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  const re = /(\/\/\/[^\n]*)|(\/\/[^\n]*)|(\/\*[\s\S]*?\*\/)|(\n)|([ \t\r]+)|(%?[a-zA-Z][a-zA-Z0-9-]*|@[0-9][0-9a-zA-Z.+-]*)|(->|[{}();:,<>=.*_@])|(.)/g;
  for (const m of source.matchAll(re)) {
    if (m[1] !== undefined) tokens.push({ kind: "doc", text: m[1].slice(3).replace(/^ /, ""), line });
    else if (m[3] !== undefined) line += m[3].split("\n").length - 1;
    else if (m[4] !== undefined) line++;
    else if (m[6] !== undefined) tokens.push({ kind: "word", text: m[6], line });
    else if (m[7] !== undefined) tokens.push({ kind: "punct", text: m[7], line });
    else if (m[8] !== undefined) throw new Error(`${file}:${line}: unexpected character ${JSON.stringify(m[8])}`);
  }
  return tokens;
}

class Reader {
  #i = 0;
  #docs: string[] = [];
  constructor(
    readonly tokens: Token[],
    readonly file: string,
  ) {}

  fail(what: string): never {
    const t = this.tokens[this.#i];
    throw new Error(`${this.file}:${t?.line ?? "end"}: ${what}${t ? `, found ${JSON.stringify(t.text)}` : ""} (wit-reader reads the subset of WIT that wit/ uses)`);
  }
  /** The next non-doc token; doc comments before it are gathered for `docs()`. */
  peek(): Token | undefined {
    while (this.tokens[this.#i]?.kind === "doc") this.#docs.push(this.tokens[this.#i++]!.text);
    return this.tokens[this.#i];
  }
  next(): Token {
    const t = this.peek() ?? this.fail("unexpected end");
    this.#i++;
    return t;
  }
  /** The doc comment gathered since the last call. */
  docs(): string {
    this.peek();
    const text = this.#docs.join("\n");
    this.#docs = [];
    return text;
  }
  is(text: string): boolean {
    return this.peek()?.text === text;
  }
  expect(text: string): void {
    if (this.peek()?.text !== text) this.fail(`expected ${JSON.stringify(text)}`);
    this.#i++;
  }
  name(): string {
    const t = this.next();
    if (t.kind !== "word" || t.text.startsWith("@")) this.fail("expected a name");
    return t.text.replace(/^%/, "");
  }
  /** A type, normalised: `option<u64>`, `tuple<string, string>`, `_`. */
  type(): string {
    if (this.is("_")) return this.next(), "_";
    const head = this.name();
    if (!this.is("<")) return head;
    this.expect("<");
    const args = [this.type()];
    while (this.is(",")) this.expect(","), args.push(this.type());
    this.expect(">");
    return `${head}<${args.join(", ")}>`;
  }
  /** `(a: t, b: u)` */
  params(): WitParam[] {
    this.expect("(");
    const params: WitParam[] = [];
    while (!this.is(")")) {
      const name = this.name();
      this.expect(":");
      params.push({ name, type: this.type() });
      if (!this.is(")")) this.expect(",");
    }
    this.expect(")");
    return params;
  }
  done(): boolean {
    return this.peek() === undefined;
  }
}

function readInterface(r: Reader, name: string, docs: string): WitInterface {
  const iface: WitInterface = { name, docs, uses: [], functions: [], records: [], enums: [], variants: [] };
  r.expect("{");
  while (!r.is("}")) {
    const docs = r.docs();
    const word = r.next().text;
    if (word === "use") {
      const from = r.name();
      r.expect(".");
      r.expect("{");
      const names: string[] = [];
      while (!r.is("}")) {
        names.push(r.name());
        if (!r.is("}")) r.expect(",");
      }
      r.expect("}");
      r.expect(";");
      iface.uses.push({ from, names });
    } else if (word === "record") {
      const record: WitRecord = { name: r.name(), docs, fields: [] };
      r.expect("{");
      while (!r.is("}")) {
        const fieldDocs = r.docs();
        const field = r.name();
        r.expect(":");
        record.fields.push({ name: field, type: r.type(), docs: fieldDocs });
        if (!r.is("}")) r.expect(",");
      }
      r.expect("}");
      iface.records.push(record);
    } else if (word === "enum") {
      const e: WitEnum = { name: r.name(), docs, cases: [] };
      r.expect("{");
      while (!r.is("}")) {
        r.docs();
        e.cases.push(r.name());
        if (!r.is("}")) r.expect(",");
      }
      r.expect("}");
      iface.enums.push(e);
    } else if (word === "variant") {
      const v: WitVariant = { name: r.name(), docs, cases: [] };
      r.expect("{");
      while (!r.is("}")) {
        const caseDocs = r.docs();
        const c = r.name();
        let type: string | null = null;
        if (r.is("(")) {
          r.expect("(");
          type = r.type();
          r.expect(")");
        }
        v.cases.push({ name: c, type, docs: caseDocs });
        if (!r.is("}")) r.expect(",");
      }
      r.expect("}");
      iface.variants.push(v);
    } else {
      const fn = word.replace(/^%/, "");
      r.expect(":");
      r.expect("func");
      const params = r.params();
      let result = "_";
      if (r.is("->")) r.expect("->"), (result = r.type());
      r.expect(";");
      const ok = result.match(/^result<(.+), host-error>$/)?.[1];
      if (ok === undefined) throw new Error(`${r.file}: ${name}.${fn} must return result<T, host-error> (or result<_, host-error>), not ${result}`);
      iface.functions.push({ name: fn, docs, params, ok, result });
    }
  }
  r.expect("}");
  return iface;
}

function readWorld(r: Reader, name: string, docs: string): WitWorld {
  const world: WitWorld = { name, docs, imports: [], exports: [] };
  r.expect("{");
  while (!r.is("}")) {
    r.docs();
    const word = r.next().text;
    if (word === "import") {
      world.imports.push(r.name());
      r.expect(";");
    } else if (word === "export") {
      const fn = r.name();
      r.expect(":");
      r.expect("func");
      const params = r.params();
      let result = "_";
      if (r.is("->")) r.expect("->"), (result = r.type());
      r.expect(";");
      world.exports.push({ name: fn, params, result });
    } else r.fail("expected import or export");
  }
  r.expect("}");
  return world;
}

/** Reads WIT files of one package (`files`: name → text, read in name order). */
export function readWit(files: Record<string, string>): WitPackage {
  const pkg: WitPackage = { package: "", interfaces: [], worlds: [] };
  for (const file of Object.keys(files).sort()) {
    const r = new Reader(tokenize(files[file]!, file), file);
    while (!r.done()) {
      const docs = r.docs();
      const word = r.next().text;
      if (word === "package") {
        let name = r.name();
        r.expect(":");
        name += `:${r.name()}`;
        if (r.peek()?.text.startsWith("@")) name += r.next().text;
        r.expect(";");
        if (pkg.package && pkg.package !== name) throw new Error(`${file}: package ${name}, but another file says ${pkg.package}`);
        pkg.package = name;
      } else if (word === "interface") {
        pkg.interfaces.push(readInterface(r, r.name(), docs));
      } else if (word === "world") {
        pkg.worlds.push(readWorld(r, r.name(), docs));
      } else r.fail("expected package, interface or world");
    }
  }
  return pkg;
}
