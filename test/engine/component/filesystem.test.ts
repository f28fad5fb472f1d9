import { describe, expect, it } from "vitest";
import { Descriptor, filesystemImports } from "../../../src/engine/component/wasi/filesystem.ts";

const text = (s: string) => new TextEncoder().encode(s);
const tree = new Map([
  ["lib/a.py", text("print('a')")],
  ["lib/pkg/b.py", text("B = 1")],
  ["python311.zip", text("PK…")],
]);
const [[root, path]] = filesystemImports([{ path: "/kiln", tree }])["wasi:filesystem/preopens"].getDirectories() as [[Descriptor, string]];
const thrown = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return "nothing thrown";
};
const rw = { read: true };

describe("the read-only in-memory filesystem", () => {
  it("preopens each mount at its path, and nothing without mounts", () => {
    expect(path).toBe("/kiln");
    expect(filesystemImports()["wasi:filesystem/preopens"].getDirectories()).toEqual([]);
  });

  it("reads files by stream and by offset, and lists directories", () => {
    const file = root.openAt({}, "lib/a.py", {}, rw);
    expect(file.getType()).toBe("regular-file");
    expect(file.stat().size).toBe(10n);
    expect(new TextDecoder().decode(file.read(100n, 6n)[0])).toBe("'a')");
    expect(file.read(100n, 6n)[1]).toBe(true);
    expect(new TextDecoder().decode(file.readViaStream(0n).read(5n))).toBe("print");
    expect(root.readDirectory().entries).toEqual([
      { type: "directory", name: "lib" },
      { type: "regular-file", name: "python311.zip" },
    ]);
    const lib = root.openAt({}, "lib", { directory: true }, rw);
    expect(lib.readDirectory().entries.map((e) => e.name)).toEqual(["a.py", "pkg"]);
    expect(lib.openAt({}, "pkg/../a.py", {}, rw).stat().size).toBe(10n);
  });

  it("never leaves the mount: .., absolute paths and missing files", () => {
    expect(thrown(() => root.openAt({}, "../etc/passwd", {}, rw))).toBe("not-permitted");
    expect(thrown(() => root.openAt({}, "lib/../../x", {}, rw))).toBe("not-permitted");
    expect(thrown(() => root.openAt({}, "/etc/passwd", {}, rw))).toBe("not-permitted");
    expect(thrown(() => root.openAt({}, "nope.py", {}, rw))).toBe("no-entry");
    expect(thrown(() => root.statAt({}, "lib/nope"))).toBe("no-entry");
  });

  it("refuses every write", () => {
    expect(thrown(() => root.openAt({}, "new.txt", { create: true }, { write: true }))).toBe("read-only");
    expect(thrown(() => root.openAt({}, "lib/a.py", { truncate: true }, rw))).toBe("read-only");
    expect(thrown(() => root.openAt({}, "lib/a.py", {}, { write: true }))).toBe("read-only");
    const file = root.openAt({}, "lib/a.py", {}, rw);
    for (const fn of [() => file.write(), () => file.writeViaStream(), () => file.setSize(), () => root.unlinkFileAt(), () => root.createDirectoryAt(), () => root.renameAt()]) {
      expect(thrown(fn)).toBe("read-only");
    }
    expect(new TextDecoder().decode(tree.get("lib/a.py"))).toBe("print('a')");
  });
});
