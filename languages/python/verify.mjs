// Checks a built python.wasm: its imports and exports are exactly the reactor ABI that RECIPE.md
// describes, and it runs one script under node:wasi (dev only: Kiln runs it on its own WASI host).
// Usage: node verify.mjs <python.wasm> <directory holding python311.zip>
import fs from "node:fs";
import { WASI } from "node:wasi";

const [wasmPath, stdlibDir] = process.argv.slice(2);
const module = new WebAssembly.Module(fs.readFileSync(wasmPath));
const fail = (msg) => {
  console.error(`verify.mjs: ${msg}`);
  process.exit(1);
};

const exports = WebAssembly.Module.exports(module).map((e) => `${e.name}:${e.kind}`).sort();
const wanted = ["_initialize:function", "cabi_post_run:function", "cabi_realloc:function", "memory:memory", "run:function"];
if (exports.join() !== wanted.join()) fail(`exports ${exports.join(" ")}, wanted ${wanted.join(" ")}`);
const host = "kiln:runtime/host@0.1.0";
for (const i of WebAssembly.Module.imports(module)) {
  const ok = (i.module === "wasi_snapshot_preview1" || (i.module === host && i.name === "call-json")) && i.kind === "function";
  if (!ok) fail(`unexpected import ${i.module}.${i.name} (${i.kind})`);
}

const wasi = new WASI({ version: "preview1", preopens: { "/kiln": stdlibDir }, returnOnExit: true });
const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });
let exp;
const instance = new WebAssembly.Instance(module, {
  ...wasi.getImportObject(),
  [host]: {
    "call-json": (ptr, len, ret) => {
      const bytes = new Uint8Array(exp.memory.buffer, ptr, len).slice();
      const p = len > 0 ? exp.cabi_realloc(0, 0, 1, len) : 1;
      new Uint8Array(exp.memory.buffer, p, len).set(bytes);
      const dv = new DataView(exp.memory.buffer);
      dv.setUint8(ret, 0);
      dv.setUint32(ret + 4, p, true);
      dv.setUint32(ret + 8, len, true);
    },
  },
});
exp = instance.exports;
wasi.initialize(instance);
const source = enc.encode(`import json, _kiln\n__kiln_out__ = json.dumps([_kiln.call("ping"), 6 * 7])`);
const p = exp.cabi_realloc(0, 0, 1, source.length);
new Uint8Array(exp.memory.buffer, p, source.length).set(source);
const ret = exp.run(p, source.length);
const dv = new DataView(exp.memory.buffer);
const tag = dv.getUint8(ret);
const text = dec.decode(new Uint8Array(exp.memory.buffer, dv.getUint32(ret + 4, true), dv.getUint32(ret + 8, true)));
exp.cabi_post_run(ret);
if (tag !== 0 || text !== '["ping", 42]') fail(`run returned ${tag} ${JSON.stringify(text)}`);
const pages = exp.memory.buffer.byteLength / 65536;
console.log(`verify.mjs: ${wasmPath} OK (exports ${wanted.map((e) => e.split(":")[0]).join(", ")}; memory ${pages} pages after one run)`);
