// The CEL runtime that runs inside the QuickJS sandbox, bundled by build-bundle.mjs (with
// @marcbachmann/cel-js, and `yaml` for CEL++) into cel-bundle.generated.js. Nothing here runs on the
// host: the caller's CEL and YAML are parsed, checked and evaluated in the guest, under its fuel,
// memory cap and deadline. The bundle is an IIFE that leaves `KilnCel` in the module's scope;
// languages/cel/driver.ts appends the caller's rule and a default export that evaluates it.
import { Environment } from "@marcbachmann/cel-js";
// Not in the package's exports, but the same module instance the evaluator uses (bundled once).
import { Duration, UnsignedInt } from "../../../node_modules/@marcbachmann/cel-js/lib/functions.js";
import { Optional } from "@marcbachmann/cel-js";
import { Type } from "../../../node_modules/@marcbachmann/cel-js/lib/registry.js";

/** Stack frames of CEL positions are written at this line offset, so that the bundle's own frames (lines below it) are told apart. */
const LINE_BASE = 1000000;
/** The name the driver evaluates the rule under (PreparedSource.fileName), which those frames name. */
let fileName = "script.cel";

const env = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
});

// The strings extension's functions that cel-js lacks, on code points as CEL's strings are.
const codePoints = (s) => Array.from(s);
const replace = (s, from, to, n) => {
  if (n < 0n) return s.split(from).join(to);
  let out = "";
  let rest = s;
  for (let i = 0n; i < n; i++) {
    const at = rest.indexOf(from);
    if (at < 0) break;
    out += rest.slice(0, at) + to;
    rest = rest.slice(at + from.length);
    if (from === "") {
      if (!rest) return out;
      const first = codePoints(rest)[0];
      out += first;
      rest = rest.slice(first.length);
    }
  }
  return out + rest;
};
env
  .registerFunction("string.replace(string, string): string", (s, from, to) => replace(s, from, to, -1n))
  .registerFunction("string.replace(string, string, int): string", replace)
  .registerFunction("string.charAt(int): string", (s, i) => {
    const cps = codePoints(s);
    if (i < 0n || i > BigInt(cps.length)) throw new RangeError(`index out of range: ${i}`);
    return cps[Number(i)] ?? "";
  })
  .registerFunction("string.reverse(): string", (s) => codePoints(s).reverse().join(""));

// ---- positions and errors ---------------------------------------------------------------------

/** 1-based line and column of `offset` in `text`. */
function lineColumn(text, offset) {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/**
 * An error the host reads as the caller's: `name` SyntaxError is a syntax error; anything else a
 * guest error. Its stack is one frame at the CEL position (line offset by LINE_BASE), which the
 * driver's position map turns back into the caller's line and column.
 */
function positioned(name, message, at) {
  const e = name === "SyntaxError" ? new SyntaxError(message) : new Error(message);
  if (name !== "SyntaxError") e.name = name;
  const frame = at ? `${fileName}:${LINE_BASE + at.line}:${at.column}` : undefined;
  e.stack = frame ? (name === "SyntaxError" ? `    at ${frame}\n` : `    at <cel> (${frame})\n`) : "";
  e.kilnCel = true;
  return e;
}

/** A CEL library error as the caller's, at its place in the document (`where` maps an offset in the expression to one in the document). */
function fromCelError(e, where) {
  if (!e || typeof e !== "object" || e.kilnCel) return e;
  const summary = typeof e.summary === "string" ? e.summary : String(e.message);
  const start = e.range && typeof e.range.start === "number" ? e.range.start : undefined;
  const at = where(start);
  if (e.name === "ParseError") return positioned("SyntaxError", summary, at);
  if (e.name === "TypeError" && e.code !== undefined) return positioned("TypeError", summary, at);
  if (e.name === "EvaluationError") return positioned("EvaluationError", summary, at);
  return e;
}

// ---- JSON in and out --------------------------------------------------------------------------

/** A JSON value as CEL sees it: integral numbers are `int`, others `double`; objects are maps. */
function fromJson(v) {
  if (typeof v === "number") return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(fromJson);
  if (v && typeof v === "object") {
    const out = {};
    for (const k of Object.keys(v)) out[k] = fromJson(v[k]);
    return out;
  }
  return v;
}

function base64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s);
}

/** A duration as protobuf's JSON writes it: seconds with 0, 3, 6 or 9 fractional digits, then "s". */
function duration(d) {
  const total = BigInt(d.seconds) * 1000000000n + BigInt(d.nanos);
  const sign = total < 0n ? "-" : "";
  const abs = total < 0n ? -total : total;
  const seconds = abs / 1000000000n;
  let nanos = String(abs % 1000000000n).padStart(9, "0");
  nanos = nanos === "000000000" ? "" : "." + (nanos.endsWith("000000") ? nanos.slice(0, 3) : nanos.endsWith("000") ? nanos.slice(0, 6) : nanos);
  return `${sign}${seconds}${nanos}s`;
}

/** An integer as JSON: a number when a double holds it exactly, else an error (as in every Kiln language). */
function integer(n, type) {
  if (n >= -9007199254740991n && n <= 9007199254740991n) return Number(n);
  throw positioned("RangeError", `the result holds the ${type} ${n}, which a JSON number cannot hold exactly; return string(x) instead`);
}

/** A map key as a JSON object key: strings as they are, ints, uints and bools in their decimal or literal form. */
function keyOf(k) {
  if (typeof k === "string") return k;
  if (typeof k === "bigint" || typeof k === "boolean") return String(k);
  if (k instanceof UnsignedInt) return String(k.value);
  throw positioned("TypeError", `a map key of type ${typeof k} has no JSON form`);
}

/** RFC 3339 in UTC, with milliseconds only when there are any (as protobuf's JSON writes timestamps). */
function timestamp(d) {
  const t = d.getTime();
  if (!Number.isFinite(t)) throw positioned("RangeError", "the result holds an invalid timestamp");
  return d.toISOString().replace(".000Z", "Z");
}

/** A CEL value as JSON (see the README, "CEL and CEL++", for the mapping). */
function toJson(v, depth = 0) {
  if (depth > 1000) throw positioned("RangeError", "the result is nested more than 1000 deep");
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "boolean":
    case "string":
      return v;
    case "bigint":
      return integer(v, "int");
    case "number":
      return Number.isFinite(v) ? v : Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  }
  if (v instanceof UnsignedInt) return integer(v.value, "uint");
  if (v instanceof Uint8Array) return base64(v);
  if (v instanceof Date) return timestamp(v);
  if (v instanceof Duration) return duration(v);
  if (v instanceof Type) return v.name;
  if (v instanceof Optional) return v.hasValue() ? toJson(v.value(), depth + 1) : null;
  if (Array.isArray(v)) return v.map((x) => toJson(x, depth + 1));
  const out = {};
  const put = (k, x) => {
    const key = keyOf(k);
    if (Object.prototype.hasOwnProperty.call(out, key)) throw positioned("TypeError", `the result is a map with two keys written "${key}" in JSON`);
    out[key] = toJson(x, depth + 1);
  };
  if (v instanceof Map) for (const [k, x] of v) put(k, x);
  else for (const k of Object.keys(v)) put(k, v[k]);
  return out;
}

/** The variables of a run: each field of an object input, and `input`, the whole input (unless a field is called that). */
function variablesOf(input) {
  const vars = input && typeof input === "object" && !Array.isArray(input) ? fromJson(input) : {};
  if (!Object.prototype.hasOwnProperty.call(vars, "input")) vars.input = fromJson(input ?? null);
  return vars;
}

// ---- CEL ----------------------------------------------------------------------------------------

/** One expression parsed and checked, ready to evaluate; `where` maps an offset in it to the document's line and column. */
function compileExpression(text, where) {
  let program;
  try {
    program = env.parse(text);
  } catch (e) {
    throw fromCelError(e, where);
  }
  const checked = program.check();
  if (!checked.valid) throw fromCelError(checked.error, where);
  return {
    evaluate(vars) {
      try {
        return program(vars);
      } catch (e) {
        throw fromCelError(e, where);
      }
    },
  };
}

/** `language: "cel"`: one expression. */
function compileCel(source, name) {
  fileName = name;
  const expr = compileExpression(source, (offset) => (offset === undefined ? undefined : lineColumn(source, offset)));
  return (input) => toJson(expr.evaluate(variablesOf(input)));
}

// ---- CEL++ ------------------------------------------------------------------------------------

let yaml;
/** Registered by the CEL++ bundle: the `yaml` package's parseDocument and LineCounter. */
function useYaml(lib) {
  yaml = lib;
}

const ASSIGNMENT = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(:=|=(?!=))\s*([\s\S]*)$/;
const STATEMENT_KEYS = ["context", "return", "if", "debug", "block"];

/** `language: "cel++"`: the YAML statement form (see the README). */
function compileCelpp(source, name) {
  fileName = name;
  const lines = new yaml.LineCounter();
  const doc = yaml.parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const err = doc.errors[0];
    const pos = lines.linePos(err.pos[0]);
    throw positioned("SyntaxError", `YAML: ${err.message.split("\n")[0]}`, { line: Math.max(pos.line, 1), column: pos.col });
  }
  const at = (node) => {
    const p = lines.linePos(node && node.range ? node.range[0] : 0);
    return { line: Math.max(p.line, 1), column: p.col };
  };
  const fail = (node, message) => {
    throw positioned("SyntaxError", message, at(node));
  };
  /** A CEL expression held in a YAML scalar, compiled, with positions in the document. */
  const expression = (node, text = node && node.value) => {
    if (!yaml.isScalar(node) || (typeof text !== "string" && typeof text !== "number" && typeof text !== "boolean")) fail(node, "expected a CEL expression");
    const expr = String(text);
    const raw = source.slice(node.range[0], node.range[1]);
    const found = raw.indexOf(expr);
    const base = node.range[0] + (found >= 0 ? found : 0);
    return compileExpression(expr, (offset) => lineColumn(source, found >= 0 && offset !== undefined ? base + offset : node.range[0]));
  };
  const pairs = (node) => {
    if (!yaml.isMap(node)) fail(node, "expected a mapping");
    const out = {};
    for (const pair of node.items) {
      const key = yaml.isScalar(pair.key) ? String(pair.key.value) : fail(pair.key, "expected a plain key");
      out[key] = { key: pair.key, value: pair.value };
    }
    return out;
  };
  const block = (node, what) => {
    if (!yaml.isSeq(node)) fail(node, `${what} must be a list of statements`);
    return node.items.map(statement);
  };
  const statement = (node) => {
    const fields = pairs(node);
    const keys = Object.keys(fields);
    if (keys.length !== 1 || !STATEMENT_KEYS.includes(keys[0])) fail(node, `a statement has exactly one of ${STATEMENT_KEYS.join(", ")}; this one has ${keys.join(", ") || "none"}`);
    const { value } = fields[keys[0]];
    switch (keys[0]) {
      case "return":
        return { kind: "return", expr: expression(value) };
      case "debug":
        return { kind: "debug", expr: expression(value) };
      case "block":
        return { kind: "block", body: block(value, "block") };
      case "context": {
        if (!yaml.isScalar(value) || typeof value.value !== "string") fail(value, "context is `name := expression` or `name = expression`");
        const m = ASSIGNMENT.exec(value.value);
        if (!m) fail(value, "context is `name := expression` or `name = expression`");
        const rest = m[3];
        return { kind: m[2] === ":=" ? "declare" : "assign", name: m[1], expr: expression(value, rest), node: value };
      }
      case "if":
        return conditional(value);
    }
  };
  const conditional = (node) => {
    const f = pairs(node);
    for (const k of Object.keys(f)) if (!["match", "block", "elsifs", "else"].includes(k)) fail(f[k].key, `if takes match, block, elsifs and else, not ${k}`);
    if (!f.match) fail(node, "if needs a match");
    if (!f.block) fail(node, "if needs a block");
    let elsifs = [];
    if (f.elsifs) {
      if (!yaml.isSeq(f.elsifs.value)) fail(f.elsifs.value, "elsifs must be a list");
      elsifs = f.elsifs.value.items.map((item) => {
        const g = pairs(item);
        const inner = g.if ? g.if.value : item;
        return conditional(inner);
      });
    }
    return {
      kind: "if",
      match: expression(f.match.value),
      matchNode: f.match.value,
      body: block(f.block.value, "block"),
      elsifs,
      otherwise: f.else ? block(f.else.value, "else") : undefined,
    };
  };
  const root = pairs(doc.contents);
  for (const k of Object.keys(root)) if (k !== "statements") fail(root[k].key, `a CEL++ rule has one top-level key, statements, not ${k}`);
  if (!root.statements) fail(doc.contents, "a CEL++ rule needs statements");
  const program = block(root.statements.value, "statements");

  const RETURN = {};
  const run = (stmts, scope, vars) => {
    const own = new Map();
    const frame = { own, parent: scope };
    for (const s of stmts) {
      const bound = () => ({ ...vars, context: contextOf(frame) });
      switch (s.kind) {
        case "declare":
          own.set(s.name, s.expr.evaluate(bound()));
          break;
        case "assign": {
          let f = frame;
          while (f && !f.own.has(s.name)) f = f.parent;
          if (!f) throw positioned("ReferenceError", `context.${s.name} is assigned before it is declared (declare it with :=)`, at(s.node));
          f.own.set(s.name, s.expr.evaluate(bound()));
          break;
        }
        case "return":
          RETURN.value = s.expr.evaluate(bound());
          return RETURN;
        case "debug": {
          const shown = toJson(s.expr.evaluate(bound()));
          console.log(typeof shown === "string" ? shown : JSON.stringify(shown));
          break;
        }
        case "block":
          if (run(s.body, frame, vars) === RETURN) return RETURN;
          break;
        case "if": {
          const chosen = choose(s, bound);
          if (chosen && run(chosen, frame, vars) === RETURN) return RETURN;
          break;
        }
      }
    }
    return undefined;
  };
  const choose = (s, bound) => {
    const holds = s.match.evaluate(bound());
    if (typeof holds !== "boolean") throw positioned("TypeError", `if.match must be a bool, not ${typeof holds === "bigint" ? "int" : typeof holds}`, at(s.matchNode));
    if (holds) return s.body;
    for (const e of s.elsifs) {
      const inner = choose({ ...e, otherwise: undefined }, bound);
      if (inner) return inner;
    }
    return s.otherwise;
  };
  const contextOf = (frame) => {
    const chain = [];
    for (let f = frame; f; f = f.parent) chain.push(f.own);
    const ctx = {};
    for (let i = chain.length - 1; i >= 0; i--) for (const [k, v] of chain[i]) ctx[k] = v;
    return ctx;
  };
  return (input) => {
    const vars = variablesOf(input);
    RETURN.value = undefined;
    return run(program, undefined, vars) === RETURN ? toJson(RETURN.value) : null;
  };
}

export { compileCel, compileCelpp, useYaml, LINE_BASE };
