// UTF-8 TextEncoder and TextDecoder, and btoa, for the bundled libraries only: build-bundle.mjs injects
// them in place of the globals (which QuickJS lacks), so the guest's global scope is left as it is.
export class TextEncoder {
  get encoding() {
    return "utf-8";
  }
  encode(input = "") {
    const s = String(input);
    const out = [];
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        } else c = 0xfffd;
      } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(out);
  }
}

export class TextDecoder {
  constructor(label = "utf-8", options = {}) {
    this.fatal = Boolean(options.fatal);
  }
  get encoding() {
    return "utf-8";
  }
  decode(input) {
    const b = input instanceof Uint8Array ? input : new Uint8Array(input ?? []);
    let out = "";
    const bad = () => {
      if (this.fatal) throw new TypeError("The encoded data was not valid UTF-8");
      return 0xfffd;
    };
    for (let i = 0; i < b.length; ) {
      const x = b[i];
      let c;
      let n = 0;
      let min = 0;
      if (x < 0x80) c = x;
      else if (x >= 0xc2 && x < 0xe0) [c, n, min] = [x & 31, 1, 0x80];
      else if (x >= 0xe0 && x < 0xf0) [c, n, min] = [x & 15, 2, 0x800];
      else if (x >= 0xf0 && x < 0xf5) [c, n, min] = [x & 7, 3, 0x10000];
      else {
        out += String.fromCodePoint(bad());
        i++;
        continue;
      }
      let j = 1;
      for (; j <= n && i + j < b.length && (b[i + j] & 0xc0) === 0x80; j++) c = (c << 6) | (b[i + j] & 63);
      if (j <= n || c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        out += String.fromCodePoint(bad());
        i += Math.max(1, j);
        continue;
      }
      out += String.fromCodePoint(c);
      i += n + 1;
    }
    return out;
  }
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
export function btoa(s) {
  let out = "";
  for (let i = 0; i < s.length; i += 3) {
    const a = s.charCodeAt(i);
    const b = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    const c = i + 2 < s.length ? s.charCodeAt(i + 2) : 0;
    if (a > 255 || b > 255 || c > 255) throw new Error("btoa: a character is outside Latin-1");
    const n = (a << 16) | (b << 8) | c;
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < s.length ? B64[(n >> 6) & 63] : "=") + (i + 2 < s.length ? B64[n & 63] : "=");
  }
  return out;
}
