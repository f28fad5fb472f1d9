/** runtimes/python: the committed artifacts are the ones build.sh made (CI checks hashes, it never rebuilds). */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const file = (name: string) => readFileSync(new URL(`../../runtimes/python/${name}`, import.meta.url));
const sha256 = async (bytes: Uint8Array) => [...new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)))].map((b) => b.toString(16).padStart(2, "0")).join("");

describe("runtimes/python", () => {
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
});
