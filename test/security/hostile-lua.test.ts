/**
 * Hostile Lua through the real HTTP app and the Node worker pool (the component engine).
 * Every hostile case is followed by a benign request on the same server, which must succeed.
 */
import { describe, expect, it } from "vitest";
import { usePoolApp } from "../helpers/fixtures.ts";
import { hostileCases, type HostileCase } from "../helpers/hostile-cases.ts";

const server = usePoolApp();

const benign = { language: "lua", code: "function main(i) return i.a + 1 end", input: { a: 41 } };

const cases: HostileCase[] = [
  ["an endless loop", "while true do end", { fuel: 500 }, "fuel_exhausted"],
  ["an endless loop hidden in pcall", "while true do pcall(function () while true do end end) end", { fuel: 500 }, "fuel_exhausted"],
  ["an endless coroutine ping-pong", "local co = coroutine.wrap(function () while true do coroutine.yield() end end) while true do co() end", { fuel: 500 }, "fuel_exhausted"],
  ["string.rep of a gigabyte", "local s = string.rep('x', 1e9)", { memoryMb: 64 }, "memory_exhausted"],
  ["a table-growth bomb", "local t = {} local i = 0 while true do i = i + 1 t[i] = { i } end", { memoryMb: 32, fuel: 1e6 }, "memory_exhausted"],
  ["deep recursion, under the smallest memory cap", "local function f(n) return f(n + 1) + 1 end f(1)", { memoryMb: 24 }, "guest_error"],
  ["deep recursion caught again and again", "local function f() f() end while true do pcall(f) end", { memoryMb: 24, fuel: 5000 }, "fuel_exhausted"],
  ["output flooding", "while true do io.write(string.rep('y', 1000)) end", undefined, "output_limit"],
  ["a pathological pattern", "local s = string.rep('a', 5000) .. 'b' for i = 1, 1e9 do s:find('.-.-.-.-.-c') end", { fuel: 500 }, "fuel_exhausted"],
  ["a binary chunk", "assert(load(string.dump(function () end)))", undefined, "guest_error"],
  ["an error object that is not a string", "error({ 'table' })", undefined, "guest_error"],
];

describe("hostile Lua ends cleanly and leaves the server serving", () => {
  hostileCases(server, { language: "lua", benign: { ...benign, result: 42 }, cases });

  it("reaches no host environment, files or processes: require, package and io's readers reach only the run's own stdin and files", async () => {
    const code = "function main() return { type(os.getenv), type(os.execute), type(os.remove), type(io.open), type(io.popen), type(debug), type(dofile), type(loadfile) } end";
    const { body } = await server.h.post({ language: "lua", code });
    expect(body).toMatchObject({ ok: true, result: Array(8).fill("nil") });
    const inputs = `function main()
  local function fails(f, ...) local ok, e = pcall(f, ...) return not ok and tostring(e) or false end
  return {
    package = { type(package.loadlib), type(package.cpath), type(package.searchpath), type(package.searchers), type(package.preload) },
    same = { require("os") == os, require("io") == io, require("string") == string, package.loaded.os == os },
    required = { fails(require, "/etc/passwd"), fails(require, ".."), fails(require, "../x"), fails(require, "etc.passwd"), fails(require, "/proc/self/environ") },
    opened = { fails(io.lines, "/etc/passwd"), fails(io.input, "/etc/passwd"), fails(io.input, io.stderr) },
    stdin = { io.read("a"), io.stdin:read("l") },
  }
end`;
    const reached = (await server.h.post({ language: "lua", code: inputs, files: [{ name: "util.lua", content: "return 1" }] })).body;
    expect(reached).toMatchObject({
      ok: true,
      result: { package: Array(5).fill("nil"), same: [true, true, true, true], stdin: [""] },
    });
    const { required, opened } = reached.result as { required: unknown[]; opened: unknown[] };
    for (const e of required) expect(e).toMatch(/^module '.*' not found:/);
    expect(opened).toHaveLength(3);
    for (const e of opened) expect(e).toEqual(expect.stringMatching(/No such file or directory|there are no files to open/));
    expect((await server.h.post(benign)).body).toMatchObject({ ok: true, result: 42 });
  });
});
