/**
 * The guest's Web APIs written here, in groups, each compiled inside the guest only when a script first
 * touches one of its names (like the console, see guest-prelude.ts), so a script pays only for what it
 * uses: `TextEncoder` and `TextDecoder` (UTF-8, per the WHATWG Encoding standard), `atob` and `btoa`
 * (forgiving-base64), `structuredClone` (the HTML structured clone of data: primitives, wrappers, Date,
 * RegExp, ArrayBuffer and its views, Map, Set, Error, arrays and plain objects, with shared and circular
 * references kept), `crypto.getRandomValues` and `crypto.randomUUID`, and `DOMException`, which they
 * throw. Nothing here is a host object: the randomness is QuickJS's `Math.random` as the prelude
 * captured it, whose state the host seeds from its CSPRNG for every run (random-state.ts), so a top
 * level that draws is never snapshotted. `URL` and `URLSearchParams` are core-js's (guest-url.ts).
 */
/** Each group's source: a function `(write, g, random)` that defines the group's names on the global object `g`. */
export const GUEST_WEB_APIS: Readonly<Record<string, string>> = {
  dom: String.raw`(function (write, g, random) {
  "use strict";
  const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf, keys } = Object;
  const define = (name, value) => defineProperty(g, name, { value, writable: true, configurable: true });
  const fromCharCode = String.fromCharCode;
  const required = (n, count, what) => { if (n < count) throw new TypeError(what + ": " + count + " argument required, but only " + n + " present."); };
  class DOMException extends Error {
    constructor(message = "", name = "Error") {
      super(String(message));
      defineProperty(this, "name", { value: String(name), writable: true, configurable: true });
    }
  }
  define("DOMException", DOMException);
  return {};
})`,
  encoding: String.raw`(function (write, g, random) {
  "use strict";
  const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf, keys } = Object;
  const define = (name, value) => defineProperty(g, name, { value, writable: true, configurable: true });
  const fromCharCode = String.fromCharCode;
  const required = (n, count, what) => { if (n < count) throw new TypeError(what + ": " + count + " argument required, but only " + n + " present."); };
  // ---- Encoding: UTF-8 only, as the standard's TextEncoder is.
  const encodeUtf8 = (s) => {
    const out = new Uint8Array(s.length * 3);
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
      }
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      if (c < 0x80) out[n++] = c;
      else if (c < 0x800) { out[n++] = 0xc0 | (c >> 6); out[n++] = 0x80 | (c & 63); }
      else if (c < 0x10000) { out[n++] = 0xe0 | (c >> 12); out[n++] = 0x80 | ((c >> 6) & 63); out[n++] = 0x80 | (c & 63); }
      else { out[n++] = 0xf0 | (c >> 18); out[n++] = 0x80 | ((c >> 12) & 63); out[n++] = 0x80 | ((c >> 6) & 63); out[n++] = 0x80 | (c & 63); }
    }
    return out.slice(0, n);
  };
  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(input = "") { return encodeUtf8(String(input)); }
    encodeInto(source, destination) {
      required(arguments.length, 2, "TextEncoder.encodeInto");
      if (!(destination instanceof Uint8Array)) throw new TypeError("TextEncoder.encodeInto: the destination must be a Uint8Array");
      const s = String(source);
      let read = 0, written = 0;
      for (let i = 0; i < s.length; i++) {
        let c = s.charCodeAt(i), units = 1;
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
          const d = s.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); units = 2; }
        }
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
        const bytes = encodeUtf8(fromCharCode(...(c >= 0x10000 ? [0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 1023)] : [c])));
        if (written + bytes.length > destination.length) break;
        destination.set(bytes, written);
        written += bytes.length;
        read += units;
        i += units - 1;
      }
      return { read, written };
    }
  }
  const LABELS = ["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"];
  const bytesOf = (input) => {
    if (input === undefined) return new Uint8Array(0);
    if (input instanceof ArrayBuffer) return new Uint8Array(input);
    if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    throw new TypeError("TextDecoder.decode: the input must be an ArrayBuffer or an ArrayBufferView");
  };
  class TextDecoder {
    #fatal; #ignoreBOM; #bomSeen = false; #needed = 0; #seen = 0; #cp = 0; #lower = 0x80; #upper = 0xbf;
    constructor(label = "utf-8", options = {}) {
      const l = String(label).replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, "").toLowerCase();
      if (!LABELS.includes(l)) throw new RangeError("TextDecoder: the encoding label provided ('" + String(label) + "') is invalid or not supported (UTF-8 only).");
      this.#fatal = Boolean(options && options.fatal);
      this.#ignoreBOM = Boolean(options && options.ignoreBOM);
    }
    get encoding() { return "utf-8"; }
    get fatal() { return this.#fatal; }
    get ignoreBOM() { return this.#ignoreBOM; }
    decode(input, options) {
      const bytes = bytesOf(input);
      const stream = Boolean(options && options.stream);
      const parts = [];
      let units = [];
      const emit = (c) => {
        if (!this.#bomSeen) { this.#bomSeen = true; if (c === 0xfeff && !this.#ignoreBOM) return; }
        if (c >= 0x10000) { units[units.length] = 0xd800 + ((c - 0x10000) >> 10); units[units.length] = 0xdc00 + ((c - 0x10000) & 1023); }
        else units[units.length] = c;
        if (units.length >= 8192) { parts[parts.length] = fromCharCode(...units); units = []; }
      };
      const error = () => {
        if (this.#fatal) { this.#reset(); throw new TypeError("TextDecoder.decode: the encoded data was not valid UTF-8"); }
        emit(0xfffd);
      };
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i];
        if (this.#needed === 0) {
          if (b <= 0x7f) emit(b);
          else if (b >= 0xc2 && b <= 0xdf) { this.#needed = 1; this.#cp = b & 0x1f; }
          else if (b >= 0xe0 && b <= 0xef) { if (b === 0xe0) this.#lower = 0xa0; if (b === 0xed) this.#upper = 0x9f; this.#needed = 2; this.#cp = b & 0xf; }
          else if (b >= 0xf0 && b <= 0xf4) { if (b === 0xf0) this.#lower = 0x90; if (b === 0xf4) this.#upper = 0x8f; this.#needed = 3; this.#cp = b & 7; }
          else error();
          continue;
        }
        if (b < this.#lower || b > this.#upper) {
          this.#needed = this.#seen = this.#cp = 0; this.#lower = 0x80; this.#upper = 0xbf;
          error();
          i--; // the byte starts again
          continue;
        }
        this.#lower = 0x80; this.#upper = 0xbf;
        this.#cp = (this.#cp << 6) | (b & 0x3f);
        if (++this.#seen === this.#needed) { const c = this.#cp; this.#needed = this.#seen = this.#cp = 0; emit(c); }
      }
      if (!stream) {
        if (this.#needed !== 0) { this.#needed = this.#seen = this.#cp = 0; this.#lower = 0x80; this.#upper = 0xbf; error(); }
        this.#bomSeen = false;
      }
      parts[parts.length] = fromCharCode(...units);
      return parts.join("");
    }
    #reset() { this.#needed = this.#seen = this.#cp = 0; this.#lower = 0x80; this.#upper = 0xbf; this.#bomSeen = false; }
  }

  define("TextEncoder", TextEncoder);
  define("TextDecoder", TextDecoder);
  return {};
})`,
  base64: String.raw`(function (write, g, random) {
  "use strict";
  const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf, keys } = Object;
  const define = (name, value) => defineProperty(g, name, { value, writable: true, configurable: true });
  const fromCharCode = String.fromCharCode;
  const required = (n, count, what) => { if (n < count) throw new TypeError(what + ": " + count + " argument required, but only " + n + " present."); };
  const DOMException = g.DOMException;
  // ---- Base64 (forgiving-base64, as atob and btoa are specified).
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  function btoa(data) {
    required(arguments.length, 1, "btoa");
    const s = String(data);
    let out = "";
    for (let i = 0; i < s.length; i += 3) {
      const a = s.charCodeAt(i), b = s.charCodeAt(i + 1), c = s.charCodeAt(i + 2);
      if (a > 255 || b > 255 || c > 255) throw new DOMException("btoa: the string to be encoded contains characters outside of the Latin1 range.", "InvalidCharacterError");
      const n = (a << 16) | ((b || 0) << 8) | (c || 0);
      out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + (i + 1 < s.length ? ALPHABET[(n >> 6) & 63] : "=") + (i + 2 < s.length ? ALPHABET[n & 63] : "=");
    }
    return out;
  }
  function atob(data) {
    required(arguments.length, 1, "atob");
    let s = String(data).replace(/[\t\n\f\r ]+/g, "");
    if (s.length % 4 === 0) s = s.replace(/={1,2}$/, "");
    if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) throw new DOMException("atob: the string to be decoded is not correctly encoded.", "InvalidCharacterError");
    let out = "", bits = 0, count = 0;
    for (let i = 0; i < s.length; i++) {
      bits = (bits << 6) | ALPHABET.indexOf(s[i]);
      count += 6;
      if (count >= 8) { count -= 8; out += fromCharCode((bits >> count) & 255); }
    }
    return out;
  }

  define("atob", atob);
  define("btoa", btoa);
  return {};
})`,
  clone: String.raw`(function (write, g, random) {
  "use strict";
  const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf, keys } = Object;
  const define = (name, value) => defineProperty(g, name, { value, writable: true, configurable: true });
  const fromCharCode = String.fromCharCode;
  const required = (n, count, what) => { if (n < count) throw new TypeError(what + ": " + count + " argument required, but only " + n + " present."); };
  const DOMException = g.DOMException;
  // ---- structuredClone: the serializable kinds of value; anything else is a DataCloneError.
  const dataCloneError = (what) => new DOMException(what + " could not be cloned.", "DataCloneError");
  const getter = (proto, name) => getOwnPropertyDescriptor(proto, name).get;
  const regexpSource = getter(RegExp.prototype, "source");
  const regexpFlags = getter(RegExp.prototype, "flags");
  const ERRORS = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
  function structuredClone(value, options) {
    required(arguments.length, 1, "structuredClone");
    const memory = new Map();
    const transfer = options != null && options.transfer !== undefined ? [...options.transfer] : [];
    for (const t of transfer) {
      if (!(t instanceof ArrayBuffer)) throw dataCloneError("A transferred value other than an ArrayBuffer");
      if (memory.has(t)) throw dataCloneError("An ArrayBuffer transferred twice");
      if (typeof t.transfer !== "function") throw dataCloneError("A transferred ArrayBuffer");
      memory.set(t, undefined);
    }
    for (const t of transfer) memory.set(t, t.transfer());
    const clone = (v) => {
      if (typeof v === "symbol") throw dataCloneError("A symbol");
      if (typeof v === "function") throw dataCloneError("A function (" + (v.name || "anonymous") + ")");
      if (v === null || typeof v !== "object") return v;
      if (memory.has(v)) return memory.get(v);
      let out;
      const remember = (o) => (memory.set(v, o), o);
      // Kinds are told by prototype (no throwing brand checks: an error's backtrace costs a deep clone
      // dearly); the built-in's own method then reads the slot, and throws a TypeError for an impostor.
      if (v instanceof Boolean) return remember(Object(Boolean.prototype.valueOf.call(v)));
      if (v instanceof Number) return remember(Object(Number.prototype.valueOf.call(v)));
      if (v instanceof String) return remember(Object(String.prototype.valueOf.call(v)));
      if (v instanceof BigInt) return remember(Object(BigInt.prototype.valueOf.call(v)));
      if (v instanceof Date) return remember(new Date(Date.prototype.getTime.call(v)));
      if (v instanceof RegExp) return remember(new RegExp(regexpSource.call(v), regexpFlags.call(v)));
      if (v instanceof ArrayBuffer) return remember(ArrayBuffer.prototype.slice.call(v, 0));
      if (ArrayBuffer.isView(v)) {
        const buffer = clone(v.buffer);
        const Ctor = v instanceof DataView ? DataView : getPrototypeOf(getPrototypeOf(v)).constructor === getPrototypeOf(Uint8Array) ? getPrototypeOf(v).constructor : undefined;
        if (!Ctor) throw dataCloneError("A view of an unknown kind");
        return remember(Ctor === DataView ? new DataView(buffer, v.byteOffset, v.byteLength) : new Ctor(buffer, v.byteOffset, v.length));
      }
      if (v instanceof Map) {
        out = remember(new Map());
        for (const [k, x] of Map.prototype.entries.call(v)) out.set(clone(k), clone(x));
        return out;
      }
      if (v instanceof Set) {
        out = remember(new Set());
        for (const x of Set.prototype.values.call(v)) out.add(clone(x));
        return out;
      }
      if (v instanceof Error) {
        const name = String(v.name);
        const Ctor = Object.prototype.hasOwnProperty.call(ERRORS, name) ? ERRORS[name] : Error;
        out = remember(new Ctor(getOwnPropertyDescriptor(v, "message") ? String(v.message) : ""));
        if (typeof v.stack === "string") defineProperty(out, "stack", { value: v.stack, writable: true, configurable: true });
        if ("cause" in v) defineProperty(out, "cause", { value: clone(v.cause), writable: true, configurable: true });
        return out;
      }
      if (v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet || (typeof WeakRef === "function" && v instanceof WeakRef)) {
        throw dataCloneError("#<" + (v.constructor && v.constructor.name || "Object") + ">");
      }
      if (Array.isArray(v)) {
        out = remember(new Array(v.length));
        for (const k of keys(v)) out[k] = clone(v[k]);
        return out;
      }
      out = remember({});
      for (const k of keys(v)) defineProperty(out, k, { value: clone(v[k]), writable: true, enumerable: true, configurable: true });
      return out;
    };
    return clone(value);
  }

  define("structuredClone", structuredClone);
  return {};
})`,
  crypto: String.raw`(function (write, g, random) {
  "use strict";
  const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf, keys } = Object;
  const define = (name, value) => defineProperty(g, name, { value, writable: true, configurable: true });
  const fromCharCode = String.fromCharCode;
  const required = (n, count, what) => { if (n < count) throw new TypeError(what + ": " + count + " argument required, but only " + n + " present."); };
  const DOMException = g.DOMException;
  // ---- crypto: random values from the run's seeded generator.
  const INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];
  const MAX_RANDOM_BYTES = 65536;
  function getRandomValues(array) {
    required(arguments.length, 1, "crypto.getRandomValues");
    if (!ArrayBuffer.isView(array) || !INTEGER_ARRAYS.some((C) => array instanceof C)) {
      throw new DOMException("crypto.getRandomValues: the argument is not an integer typed array.", "TypeMismatchError");
    }
    if (array.byteLength > MAX_RANDOM_BYTES) {
      throw new DOMException("crypto.getRandomValues: the array's byte length (" + array.byteLength + ") exceeds the number of bytes of entropy available via this API (" + MAX_RANDOM_BYTES + ").", "QuotaExceededError");
    }
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let i = 0; i < bytes.length; i += 4) {
      let r = Math.floor(random() * 4294967296);
      for (let j = 0; j < 4 && i + j < bytes.length; j++, r >>>= 8) bytes[i + j] = r & 255;
    }
    return array;
  }
  const HEX = Array.from({ length: 256 }, (_, i) => (i + 256).toString(16).slice(1));
  function randomUUID() {
    const b = getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => HEX[x]);
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") + "-" + h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }
  class Crypto {
    getRandomValues(array) { return getRandomValues(...arguments); }
    randomUUID() { return randomUUID(); }
  }

  define("Crypto", Crypto);
  define("crypto", new Crypto());
  return {};
})`,
};

/** The names each group of GUEST_WEB_APIS defines: the prelude makes each a lazy global that loads its group. */
export const WEB_API_GROUPS: Readonly<Record<string, readonly string[]>> = {
  dom: ["DOMException"],
  encoding: ["TextEncoder", "TextDecoder"],
  base64: ["atob", "btoa"],
  clone: ["structuredClone"],
  crypto: ["Crypto", "crypto"],
};
