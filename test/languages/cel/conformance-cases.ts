/**
 * The official CEL conformance cases (google/cel-spec's simple tests, as @bufbuild/cel-spec ships them
 * in protobuf JSON form), and how a case is judged: natively for @marcbachmann/cel-js on the host, and
 * as JSON (the mapping the README documents) for a run of Kiln's `cel` language.
 */
import { tests as conformance } from "@bufbuild/cel-spec/testdata/conformance.js";
import { Environment } from "@marcbachmann/cel-js";
// Not in cel-js's exports: the classes its values are, read by file.
import { Duration, UnsignedInt } from "../../../node_modules/@marcbachmann/cel-js/lib/functions.js";

/** A cel.expr.Value in protobuf JSON. */
export type Value = Record<string, any>;

export interface ConformanceCase {
  /** suite/section/name */
  name: string;
  expr: string;
  bindings: Record<string, Value>;
  /** The value it evaluates to, or undefined when it is an error. */
  value?: Value;
  evalError: boolean;
}

interface RawSuite {
  name: string;
  suites?: RawSuite[];
  tests?: { original: { name?: string; expr: string; bindings?: Record<string, { value?: Value }>; value?: Value; typedResult?: { result?: Value }; evalError?: unknown; checkOnly?: boolean } }[];
}

/** Every case that evaluates (the 25 check-only ones, which evaluate nothing, are left out), in the data's order. */
export function conformanceCases(): ConformanceCase[] {
  const out: ConformanceCase[] = [];
  const walk = (s: RawSuite, path: string) => {
    for (const { original: t } of s.tests ?? []) {
      if (t.checkOnly) continue;
      const bindings = Object.fromEntries(Object.entries(t.bindings ?? {}).map(([k, b]) => [k, b.value ?? {}]));
      // A case that names no result expects `true` (cel.expr.conformance.test.SimpleTest).
      const evalError = t.evalError !== undefined;
      out.push({ name: `${path}/${t.name ?? t.expr}`, expr: t.expr, bindings, value: evalError ? undefined : (t.value ?? t.typedResult?.result ?? { boolValue: true }), evalError });
    }
    for (const c of s.suites ?? []) walk(c, path ? `${path}/${c.name}` : c.name);
  };
  walk(conformance as RawSuite, "");
  return out;
}

/** A fixed sample of `n` cases, drawn with a seeded generator (mulberry32), so every run takes the same ones. */
export function sample<T>(items: readonly T[], n: number, seed: number): T[] {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pool = [...items];
  const out: T[] = [];
  while (out.length < n && pool.length) out.push(pool.splice(Math.floor(next() * pool.length), 1)[0]!);
  return out;
}

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unbase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const double = (d: number | string) => (typeof d === "number" ? d : Number(d));
const TYPE_URL = "type.googleapis.com/";

/** A duration string ("1.5s", "-0.000000001s") in nanoseconds. */
function durationNanos(text: string): bigint {
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  const n = BigInt(m[2]!) * 1_000_000_000n + BigInt((m[3] ?? "").padEnd(9, "0") || "0");
  return m[1] ? -n : n;
}

class Unsupported extends Error {}

// ---- the library on the host: values as cel-js takes and gives them ---------------------------

/** A conformance value as cel-js's input. */
function toNative(v: Value): unknown {
  if ("int64Value" in v) return BigInt(v.int64Value);
  if ("uint64Value" in v) return new UnsignedInt(BigInt(v.uint64Value));
  if ("doubleValue" in v) return double(v.doubleValue);
  if ("stringValue" in v) return v.stringValue;
  if ("boolValue" in v) return v.boolValue;
  if ("nullValue" in v) return null;
  if ("bytesValue" in v) return unbase64(v.bytesValue);
  if ("listValue" in v) return (v.listValue.values ?? []).map(toNative);
  if ("mapValue" in v) {
    const entries = (v.mapValue.entries ?? []) as { key: Value; value: Value }[];
    if (entries.every((e) => "stringValue" in e.key)) return Object.fromEntries(entries.map((e) => [e.key.stringValue, toNative(e.value)]));
    return new Map(entries.map((e) => [toNative(e.key), toNative(e.value)]));
  }
  if ("objectValue" in v) {
    const type = String(v.objectValue["@type"]).replace(TYPE_URL, "");
    if (type === "google.protobuf.Duration") {
      const n = durationNanos(v.objectValue.value);
      return new Duration(n / 1_000_000_000n, Number(n % 1_000_000_000n));
    }
    if (type === "google.protobuf.Timestamp") return new Date(v.objectValue.value);
  }
  throw new Unsupported(`no cel-js form for ${JSON.stringify(v).slice(0, 80)}`);
}

/** Whether cel-js's result is the expected value. */
function nativeEquals(expected: Value, actual: unknown): boolean {
  if ("int64Value" in expected) return typeof actual === "bigint" && actual === BigInt(expected.int64Value);
  if ("uint64Value" in expected) return actual instanceof UnsignedInt && actual.value === BigInt(expected.uint64Value);
  if ("doubleValue" in expected) {
    const d = double(expected.doubleValue);
    return typeof actual === "number" && (Number.isNaN(d) ? Number.isNaN(actual) : actual === d);
  }
  if ("stringValue" in expected) return actual === expected.stringValue;
  if ("boolValue" in expected) return actual === expected.boolValue;
  if ("nullValue" in expected) return actual === null;
  if ("bytesValue" in expected) return actual instanceof Uint8Array && base64(actual) === base64(unbase64(expected.bytesValue));
  if ("listValue" in expected) {
    const values = (expected.listValue.values ?? []) as Value[];
    return Array.isArray(actual) && actual.length === values.length && values.every((v, i) => nativeEquals(v, actual[i]));
  }
  if ("mapValue" in expected) {
    const entries = (expected.mapValue.entries ?? []) as { key: Value; value: Value }[];
    if (actual instanceof Map) return actual.size === entries.length && entries.every((e) => [...actual].some(([k, x]) => nativeEquals(e.key, k) && nativeEquals(e.value, x)));
    if (!actual || typeof actual !== "object") return false;
    const keys = Object.keys(actual);
    return keys.length === entries.length && entries.every((e) => keys.some((k) => String(keyText(e.key)) === k && nativeEquals(e.value, (actual as Record<string, unknown>)[k])));
  }
  if ("typeValue" in expected) return !!actual && typeof actual === "object" && (actual as { name?: unknown }).name === expected.typeValue;
  if ("objectValue" in expected) {
    const type = String(expected.objectValue["@type"]).replace(TYPE_URL, "");
    if (type === "google.protobuf.Duration") return actual instanceof Duration && actual.seconds * 1_000_000_000n + BigInt(actual.nanos) === durationNanos(expected.objectValue.value);
    if (type === "google.protobuf.Timestamp") return actual instanceof Date && actual.getTime() === Date.parse(expected.objectValue.value);
  }
  return false;
}

/** The library's own options, as Kiln's guest runtime sets them (languages/cel/guest/runtime.js). */
export const LIBRARY_OPTIONS = { unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false, enableOptionalTypes: true } as const;

/** Evaluates the case with cel-js on the host (parse, check, evaluate, as Kiln's runtime does): whether it answers as the data says. */
export function passesOnHost(c: ConformanceCase, env = new Environment(LIBRARY_OPTIONS)): boolean {
  let result: unknown;
  try {
    const bindings = Object.fromEntries(Object.entries(c.bindings).map(([k, v]) => [k, toNative(v)]));
    const program = env.parse(c.expr);
    const checked = program.check();
    if (!checked.valid) throw checked.error;
    result = program(bindings);
  } catch (e) {
    if (e instanceof Unsupported) return false;
    return c.evalError;
  }
  return !c.evalError && c.value !== undefined && nativeEquals(c.value, result);
}

// ---- Kiln's `cel` language: JSON in, JSON out ------------------------------------------------

/** A map key's JSON text: strings as they are, ints, uints and bools as their literals. */
function keyText(key: Value): string {
  if ("stringValue" in key) return key.stringValue;
  if ("int64Value" in key) return String(BigInt(key.int64Value));
  if ("uint64Value" in key) return String(BigInt(key.uint64Value));
  if ("boolValue" in key) return String(key.boolValue);
  throw new Unsupported("a map key with no JSON text");
}

/** The marker for a value the README's mapping refuses (an integer beyond ±2^53): Kiln answers a guest error. */
export const NOT_JSON = Symbol("not JSON");

/** The expected value as Kiln's `cel` answers it in JSON (README, "CEL and CEL++"). */
function toKilnJson(v: Value): unknown {
  const integer = (n: bigint) => (n >= -(2n ** 53n) + 1n && n <= 2n ** 53n - 1n ? Number(n) : NOT_JSON);
  if ("int64Value" in v) return integer(BigInt(v.int64Value));
  if ("uint64Value" in v) return integer(BigInt(v.uint64Value));
  if ("doubleValue" in v) {
    const d = double(v.doubleValue);
    return Number.isFinite(d) ? (Object.is(d, -0) ? 0 : d) : Number.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
  }
  if ("stringValue" in v) return v.stringValue;
  if ("boolValue" in v) return v.boolValue;
  if ("nullValue" in v) return null;
  if ("bytesValue" in v) return base64(unbase64(v.bytesValue));
  if ("listValue" in v) return (v.listValue.values ?? []).map(toKilnJson);
  if ("mapValue" in v) return Object.fromEntries(((v.mapValue.entries ?? []) as { key: Value; value: Value }[]).map((e) => [keyText(e.key), toKilnJson(e.value)]));
  if ("typeValue" in v) return v.typeValue;
  if ("objectValue" in v) {
    const type = String(v.objectValue["@type"]).replace(TYPE_URL, "");
    if (type === "google.protobuf.Duration") {
      const n = durationNanos(v.objectValue.value);
      const abs = n < 0n ? -n : n;
      let frac = String(abs % 1_000_000_000n).padStart(9, "0");
      frac = frac === "000000000" ? "" : "." + (frac.endsWith("000000") ? frac.slice(0, 3) : frac.endsWith("000") ? frac.slice(0, 6) : frac);
      return `${n < 0n ? "-" : ""}${abs / 1_000_000_000n}${frac}s`;
    }
    if (type === "google.protobuf.Timestamp") return new Date(v.objectValue.value).toISOString().replace(".000Z", "Z");
  }
  throw new Unsupported(`no JSON form for ${JSON.stringify(v).slice(0, 80)}`);
}

/** A binding as Kiln's JSON input, when JSON can carry it as the same CEL type (an integral double cannot: it would arrive as an int). */
function toKilnInput(v: Value): unknown {
  if ("int64Value" in v) {
    const n = BigInt(v.int64Value);
    if (n >= -(2n ** 53n) + 1n && n <= 2n ** 53n - 1n) return Number(n);
  } else if ("doubleValue" in v) {
    const d = double(v.doubleValue);
    if (Number.isFinite(d) && !Number.isInteger(d)) return d;
  } else if ("stringValue" in v) return v.stringValue;
  else if ("boolValue" in v) return v.boolValue;
  else if ("nullValue" in v) return null;
  else if ("listValue" in v) return (v.listValue.values ?? []).map(toKilnInput);
  else if ("mapValue" in v) {
    const entries = (v.mapValue.entries ?? []) as { key: Value; value: Value }[];
    if (entries.every((e) => "stringValue" in e.key)) return Object.fromEntries(entries.map((e) => [e.key.stringValue, toKilnInput(e.value)]));
  }
  throw new Unsupported(`JSON input cannot carry ${JSON.stringify(v).slice(0, 80)}`);
}

/** The case as a Kiln run's input, or undefined when its bindings have no JSON form that keeps their types. */
export function kilnInput(c: ConformanceCase): Record<string, unknown> | undefined {
  try {
    return Object.fromEntries(Object.entries(c.bindings).map(([k, v]) => [k, toKilnInput(v)]));
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

/** Whether a Kiln run's outcome is the case's answer: its value as JSON, or (for an error, or a value JSON cannot hold exactly) a failed run. */
export function passesInKiln(c: ConformanceCase, outcome: { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } }): boolean {
  if (c.evalError || c.value === undefined) return !outcome.ok && (outcome.error.code === "guest_error" || outcome.error.code === "syntax_error");
  let expected: unknown;
  try {
    expected = toKilnJson(c.value);
  } catch (e) {
    if (e instanceof Unsupported) return false;
    throw e;
  }
  const holdsNotJson = (x: unknown): boolean => x === NOT_JSON || (Array.isArray(x) ? x.some(holdsNotJson) : !!x && typeof x === "object" && Object.values(x).some(holdsNotJson));
  if (holdsNotJson(expected)) return !outcome.ok && /cannot hold exactly/.test(outcome.error.message);
  return outcome.ok && JSON.stringify(sortKeys(outcome.result)) === JSON.stringify(sortKeys(expected));
}

function sortKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (x && typeof x === "object") return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sortKeys((x as Record<string, unknown>)[k])]));
  return x;
}
