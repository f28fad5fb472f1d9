/** Kiln's languages as Piston runtimes: semver versions, Piston's aliases, and Piston's choice of runtime by name and range. */
import { describe, expect, it } from "vitest";
import { matchRuntime, pistonRuntimes, semverOf } from "../../../src/http/piston/piston-runtimes.ts";

const languages = [
  { name: "javascript", version: "ES2023 (QuickJS 2025-09-13, quickjs-emscripten 0.32.0)", aliases: ["js"], engine: "quickjs" },
  { name: "python", version: "CPython 3.11.2 (Debian source package 3.11.2-6+deb12u8), as a WASI 0.2 component", aliases: ["py", "python3"], engine: "component" },
  { name: "ruby", version: "CRuby 3.4 (@ruby/3.4-wasm-wasi 2.10.1)", aliases: ["rb"], engine: "component" },
  { name: "component", version: "WebAssembly components of world kiln:sandbox/script@0.1.0", aliases: [], engine: "component" },
];

describe("Piston runtimes", () => {
  it("turns Kiln's version text into semver", () => {
    expect(semverOf(languages[0]!.version)).toBe("2025.9.13");
    expect(semverOf(languages[1]!.version)).toBe("3.11.2");
    expect(semverOf(languages[2]!.version)).toBe("3.4.0");
    expect(semverOf("no version at all")).toBe("0.0.0");
  });

  it("lists each language but components, with Piston's aliases added", () => {
    expect(pistonRuntimes(languages)).toEqual([
      { language: "javascript", version: "2025.9.13", aliases: ["js", "node-javascript", "node-js"], runtime: "quickjs" },
      { language: "python", version: "3.11.2", aliases: ["py", "python3", "py3"] },
      { language: "ruby", version: "3.4.0", aliases: ["rb", "ruby3"] },
    ]);
  });

  it("matches a name or alias and a semver range, as Piston does", () => {
    const runtimes = pistonRuntimes(languages);
    for (const range of ["*", "3", "3.x", ">=3.9", "3.11.2", "~3.11", "^3.10"]) expect(matchRuntime(runtimes, "py3", range)?.language, range).toBe("python");
    expect(matchRuntime(runtimes, "PYTHON", "3")?.language).toBe("python");
    for (const range of ["latest", ">=4", "2.x", "not a range"]) expect(matchRuntime(runtimes, "python", range), range).toBeUndefined();
    expect(matchRuntime(runtimes, "cobol", "*")).toBeUndefined();
    expect(matchRuntime(runtimes, "component", "*")).toBeUndefined();
  });

  it("picks the highest version among several that match", () => {
    const two = [
      { language: "python", version: "3.9.4", aliases: [] },
      { language: "python", version: "3.11.0", aliases: [] },
    ];
    expect(matchRuntime(two, "python", "3")?.version).toBe("3.11.0");
    expect(matchRuntime(two, "python", "<3.10")?.version).toBe("3.9.4");
  });
});
