/** languages/python: the committed artifacts are the ones build.sh made (CI checks hashes, it never rebuilds). */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { hasInterpreter } from "../../helpers/differential.ts";

const file = (name: string) => readFileSync(new URL(`../../../languages/python/${name}`, import.meta.url));
const sha256 = async (bytes: Uint8Array) => [...new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)))].map((b) => b.toString(16).padStart(2, "0")).join("");

describe("languages/python", () => {
  it("matches SHA256SUMS", async () => {
    const lines = file("SHA256SUMS").toString().trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      const [hash, name] = line.split(/\s+/);
      expect(await sha256(file(name!))).toBe(hash);
    }
  });

  it("is a reactor that imports only WASI preview 1 and Kiln's call-json, and exports run", () => {
    const module = new WebAssembly.Module(gunzipSync(file("python.wasm.gz")));
    const imports = WebAssembly.Module.imports(module);
    expect(new Set(imports.map((i) => i.module))).toEqual(new Set(["wasi_snapshot_preview1", "kiln:runtime/host@0.1.0"]));
    expect(imports.filter((i) => i.module.startsWith("kiln:")).map((i) => i.name)).toEqual(["call-json"]);
    expect(WebAssembly.Module.exports(module).map((e) => e.name)).toEqual(expect.arrayContaining(["memory", "_initialize", "cabi_realloc", "run", "cabi_post_run"]));
    expect(WebAssembly.Module.exports(module).map((e) => e.name)).not.toContain("kiln_init");
  });

  it("ships the standard library as a zip of .pyc files only", () => {
    const zip = gunzipSync(file("python311.zip.gz"));
    const names = new TextDecoder("latin1").decode(zip).match(/[\w/]+\.py[c]?(?=PK|\x00|$)/g) ?? [];
    expect(zip.subarray(0, 2).toString()).toBe("PK");
    expect(names.some((n) => n.endsWith("json/__init__.pyc"))).toBe(true);
  });

  // kiln_runner.py is compiled into the zip (and the snapshot): an edit without rebuild-snapshot.sh shows here.
  it.skipIf(!hasInterpreter("python3.11", "python3.11", "The runner check of languages/python"))("holds kiln_runner.pyc compiled from the committed kiln_runner.py", () => {
    const zip = gunzipSync(file("python311.zip.gz"));
    // The name's first occurrence is in the entry's local header (the central directory comes last): name
    // length at 26, extra length at 28, the STORED data right after them.
    const header = zip.indexOf("kiln_runner.pyc") - 30;
    expect(zip.readUInt32LE(header)).toBe(0x04034b50);
    expect(zip.readUInt16LE(header + 8)).toBe(0); // STORED
    const data = header + 30 + zip.readUInt16LE(header + 26) + zip.readUInt16LE(header + 28);
    const pyc = zip.subarray(data, data + 16);
    expect(pyc.readUInt32LE(4)).toBe(1); // a hash-based .pyc, unchecked
    const source = fileURLToPath(new URL("../../../languages/python/kiln_runner.py", import.meta.url));
    const hash = spawnSync("python3.11", ["-I", "-c", "import importlib.util, sys; sys.stdout.write(importlib.util.source_hash(open(sys.argv[1], 'rb').read()).hex() + ' ' + importlib.util.MAGIC_NUMBER.hex())", source], { encoding: "utf8" });
    expect(hash.status, hash.stderr).toBe(0);
    expect(`${pyc.subarray(8, 16).toString("hex")} ${pyc.subarray(0, 4).toString("hex")}`).toBe(hash.stdout);
  });
});
