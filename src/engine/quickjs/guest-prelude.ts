/**
 * JavaScript evaluated inside every fresh QuickJS context before the user's code.
 * It receives the host's `write` function and returns the run's driver: `invoke` calls the
 * entry point, `tick` fires the next virtual timer, `describe` turns a thrown value into plain data.
 * Everything here runs under the run's fuel, so hostile getters or toString methods are bounded.
 */
export const GUEST_PRELUDE = String.raw`(function (write) {
  "use strict";
  const g = globalThis;
  // Captured before user code runs, so a script that replaces them cannot forge what the host reads.
  const { stringify, parse } = JSON;
  const { assign } = Object;
  const MAX_DEPTH = 2;

  const quote = (s) => "'" + s.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n") + "'";
  const key = (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k));
  function inspect(v, depth, seen) {
    switch (typeof v) {
      case "string": return depth === 0 ? v : quote(v);
      case "function": return "[Function: " + (v.name || "(anonymous)") + "]";
      case "bigint": return String(v) + "n";
      case "symbol": return v.toString();
      case "undefined": return "undefined";
      case "number": return Object.is(v, -0) ? "-0" : String(v);
      case "boolean": return String(v);
    }
    if (v === null) return "null";
    if (seen.includes(v)) return "[Circular]";
    if (v instanceof Error) return v.stack ? String(v.name) + ": " + String(v.message) + "\n" + v.stack.trimEnd() : String(v);
    if (v instanceof Date) return isNaN(v) ? "Invalid Date" : v.toISOString();
    if (v instanceof RegExp) return String(v);
    if (depth > MAX_DEPTH) return Array.isArray(v) ? "[Array]" : "[Object]";
    const inner = seen.concat([v]);
    if (Array.isArray(v)) {
      const items = v.slice(0, 100).map((x) => inspect(x, depth + 1, inner));
      if (v.length > 100) items.push("... " + (v.length - 100) + " more items");
      return "[ " + items.join(", ") + (items.length ? " ]" : "]");
    }
    if (v instanceof Map) return "Map(" + v.size + ") { " + [...v].slice(0, 100).map(([k, x]) => inspect(k, depth + 1, inner) + " => " + inspect(x, depth + 1, inner)).join(", ") + " }";
    if (v instanceof Set) return "Set(" + v.size + ") { " + [...v].slice(0, 100).map((x) => inspect(x, depth + 1, inner)).join(", ") + " }";
    if (v instanceof Promise) return "Promise {}";
    const keys = Object.keys(v);
    const body = keys.slice(0, 100).map((k) => key(k) + ": " + inspect(v[k], depth + 1, inner));
    const tag = v.constructor && v.constructor !== Object && typeof v.constructor.name === "string" ? v.constructor.name + " " : "";
    return body.length ? tag + "{ " + body.join(", ") + " }" : tag + "{}";
  }
  const format = (args) => args.map((a) => inspect(a, 0, [])).join(" ") + "\n";
  const printer = (stream) => function (...args) { write(stream, format(args)); };
  const out = printer(0), err = printer(1);
  const counts = new Map();
  const console = {
    log: out, info: out, debug: out, dir: out, trace: err, warn: err, error: err,
    assert(cond, ...args) { if (!cond) err("Assertion failed" + (args.length ? ": " + format(args).slice(0, -1) : "")); },
    count(label = "default") { const n = (counts.get(label) || 0) + 1; counts.set(label, n); out(label + ": " + n); },
    table: out, group: out, groupEnd() {}, time() {}, timeEnd() {},
  };
  Object.defineProperty(g, "console", { value: console, writable: true, configurable: true });

  // Timers run on a virtual clock: no real delay, fired in order when nothing else is pending.
  let now = 0, seq = 0;
  const timers = new Map();
  const schedule = (fn, ms, args, repeat) => {
    if (typeof fn !== "function") throw new TypeError("The callback must be a function");
    const delay = Math.max(0, Number(ms) || 0), id = ++seq;
    timers.set(id, { id, fn, args, at: now + delay, order: id, every: repeat ? Math.max(1, delay) : 0 });
    return id;
  };
  g.setTimeout = (fn, ms, ...args) => schedule(fn, ms, args, false);
  g.setInterval = (fn, ms, ...args) => schedule(fn, ms, args, true);
  g.clearTimeout = g.clearInterval = (id) => { timers.delete(id); };
  g.queueMicrotask = (fn) => { Promise.resolve().then(() => fn()); };
  const tick = () => {
    let next;
    for (const t of timers.values()) if (!next || t.at < next.at || (t.at === next.at && t.order < next.order)) next = t;
    if (!next) return false;
    now = next.at;
    if (next.every) { next.at = now + next.every; next.order = ++seq; } else timers.delete(next.id);
    next.fn(...next.args);
    return true;
  };

  const cjs = { exports: {} };
  g.module = cjs;
  g.exports = cjs.exports;

  const call = (fn, input, ctx) => fn.length >= 2
    ? new Promise((resolve, reject) => fn(ctx, (e, v) => (e != null ? reject(e) : resolve(v))))
    : fn(input, ctx);
  const invoke = async (namespace, inputJson, ctxJson) => {
    const input = parse(inputJson);
    const ctx = assign(parse(ctxJson), { data: input, body: input });
    let value = null, entry = true;
    if (namespace) {
      const d = namespace.default;
      if (typeof d === "function") value = await d(input, ctx);
      else if (d !== undefined) value = await d;
      else entry = false;
    } else if (typeof cjs.exports === "function") {
      value = await call(cjs.exports, input, ctx);
    } else entry = false;
    let json;
    try { json = stringify(value); } catch (e) {
      throw new TypeError("The result is not JSON-serialisable: " + (e && e.message));
    }
    // A plain script has no entry point: like a process, it runs until no job or timer is left.
    return { json: json === undefined ? "null" : json, drain: !entry };
  };

  const describe = (e) => {
    if (e instanceof Error) {
      const d = { name: String(e.name), message: String(e.message) };
      if (typeof e.stack === "string" && e.stack) d.stack = e.stack;
      if (typeof e.lineNumber === "number") d.line = e.lineNumber;
      if (typeof e.columnNumber === "number") d.column = e.columnNumber;
      return stringify(d);
    }
    return stringify({ message: "Uncaught " + inspect(e, 1, []) });
  };

  return { invoke, tick, describe };
})`;
