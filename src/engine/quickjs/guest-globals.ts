/**
 * The guest's console and timers, compiled inside the guest only when the script first touches
 * one of them (most runs print a few strings or nothing, and compiling is a large part of a fresh
 * run's cost). It installs the globals and returns `{ tick, inspect }` to the prelude.
 *
 * Timers run on a virtual clock: no real delay; they fire in order once nothing else is pending.
 */
export const GUEST_GLOBALS = String.raw`(function (write, g) {
  "use strict";
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
  const format = (args) => (args.every((a) => typeof a === "string") ? args.join(" ") : args.map((a) => inspect(a, 0, [])).join(" ")) + "\n";
  const printer = (stream) => function (...args) { write(stream, format(args)); };
  const out = printer(0), err = printer(1);
  const counts = new Map();
  const console = {
    log: out, info: out, debug: out, dir: out, trace: err, warn: err, error: err,
    assert(cond, ...args) { if (!cond) err("Assertion failed" + (args.length ? ": " + format(args).slice(0, -1) : "")); },
    count(label = "default") { const n = (counts.get(label) || 0) + 1; counts.set(label, n); out(label + ": " + n); },
    table: out, group: out, groupEnd() {}, time() {}, timeEnd() {},
  };
  const define = (name, value) => Object.defineProperty(g, name, { value, writable: true, configurable: true });
  define("console", console);

  let now = 0, seq = 0;
  const timers = new Map();
  const schedule = (fn, ms, args, repeat) => {
    if (typeof fn !== "function") throw new TypeError("The callback must be a function");
    const delay = Math.max(0, Number(ms) || 0), id = ++seq;
    timers.set(id, { id, fn, args, at: now + delay, order: id, every: repeat ? Math.max(1, delay) : 0 });
    return id;
  };
  const clear = (id) => { timers.delete(id); };
  define("setTimeout", (fn, ms, ...args) => schedule(fn, ms, args, false));
  define("setInterval", (fn, ms, ...args) => schedule(fn, ms, args, true));
  define("clearTimeout", clear);
  define("clearInterval", clear);
  define("queueMicrotask", (fn) => { Promise.resolve().then(() => fn()); });
  const tick = () => {
    let next;
    for (const t of timers.values()) if (!next || t.at < next.at || (t.at === next.at && t.order < next.order)) next = t;
    if (!next) return false;
    now = next.at;
    if (next.every) { next.at = now + next.every; next.order = ++seq; } else timers.delete(next.id);
    next.fn(...next.args);
    return true;
  };

  return { tick, inspect: (v, depth) => inspect(v, depth, []) };
})`;
