import { WEB_API_GROUPS } from "./guest-web-apis.ts";

/**
 * JavaScript evaluated inside every fresh QuickJS context before the user's code.
 * It receives the host's `write` function, `loadGlobals`, which compiles a group of globals by name
 * (the console and timers; each group of Web APIs of guest-web-apis.ts; URL, guest-url.ts), and
 * `stdin`, behind the global `readStdin()`. It
 * returns the run's driver: `invoke` calls the entry point, `tick` fires the next virtual timer,
 * `describe` turns a thrown value into plain data. Everything here runs under the run's fuel,
 * so hostile getters or toString methods are bounded. Compiling is a large part of a fresh run's
 * cost, so this stays small and the console, timers and Web APIs are compiled on first use.
 */
export const GUEST_PRELUDE = String.raw`(function (write, loadGlobals, stdin) {
  "use strict";
  const g = globalThis;
  // Captured before user code runs, so a script that replaces them cannot forge what the host reads.
  const { stringify, parse } = JSON;
  const { assign, defineProperty } = Object;
  // The run's standard input, whole, as a string ("" without one): the same text at every call.
  defineProperty(g, "readStdin", { value: function readStdin() { return stdin(); }, writable: true, configurable: true });
  // Captured before user code runs: crypto's random values come from the generator the host seeds.
  const random = Math.random;
  const own = Object.getOwnPropertyDescriptor;
  // A group of globals compiled on first touch of any of its names, once a run: a group that defines a
  // name replaces the accessor with the value; one that failed (a script broke what it needs) leaves
  // its names undefined, and is never compiled again (compiling burns no fuel). While a group loads,
  // its names read as undefined (core-js looks for a native URL before it defines its own).
  const lazy = (names, load) => {
    let tried = false;
    const loadGroup = () => {
      if (tried) return;
      tried = true;
      load();
    };
    for (const name of names) {
      defineProperty(g, name, {
        configurable: true,
        get() { loadGroup(); const d = own(g, name); return d && "value" in d ? d.value : undefined; },
        set(value) { loadGroup(); defineProperty(g, name, { value, writable: true, configurable: true }); },
      });
    }
  };
  let globals;
  const load = () => (globals ??= loadGlobals("globals")(write, g));
  lazy(["console", "setTimeout", "setInterval", "clearTimeout", "clearInterval", "queueMicrotask"], load);
  for (const [group, names] of ${JSON.stringify(Object.entries({ ...WEB_API_GROUPS, url: ["URL", "URLSearchParams"] }))}) {
    lazy(names, () => loadGlobals(group)(write, g, random));
  }
  const tick = () => (globals ? globals.tick() : false);
  const cjs = { exports: {} };
  const initialExports = cjs.exports;
  g.module = cjs;
  g.exports = cjs.exports;

  const call = (fn, input, ctx) => fn.length >= 2
    ? new Promise((resolve, reject) => fn(ctx, (e, v) => (e != null ? reject(e) : resolve(v))))
    : fn(input, ctx);
  const invoke = async (namespace, inputJson, ctxJson, program) => {
    const input = parse(inputJson);
    const ctx = assign(parse(ctxJson), { data: input, body: input });
    let value = null, entry = true;
    // A program (Piston, Judge0) runs top to bottom: its own main is not called by the host.
    if (program) entry = false;
    else if (namespace) {
      const d = namespace.default;
      if (typeof d === "function") value = await d(input, ctx);
      else if (d !== undefined) value = await d;
      else entry = false;
    } else if (cjs.exports !== initialExports) {
      // The same rule as a default export: a function is called, anything else is the result.
      const e = cjs.exports;
      value = typeof e === "function" ? await call(e, input, ctx) : await e;
    } else entry = false;
    let json;
    try { json = stringify(value); } catch (e) {
      throw new TypeError("The result is not JSON-serialisable: " + (e && e.message));
    }
    // One string, read by the host in one call: "d" (a plain script has no entry point: like a process,
    // it runs until no job or timer is left, so the host drains it) or "r", then the result's JSON.
    return (entry ? "r" : "d") + (json === undefined ? "null" : json);
  };

  const describe = (e) => {
    if (e instanceof Error) {
      const d = { name: String(e.name), message: String(e.message) };
      if (typeof e.stack === "string" && e.stack) d.stack = e.stack;
      if (typeof e.lineNumber === "number") d.line = e.lineNumber;
      if (typeof e.columnNumber === "number") d.column = e.columnNumber;
      return stringify(d);
    }
    return stringify({ message: "Uncaught " + load().inspect(e, 1) });
  };

  return { invoke, tick, describe };
})`;
