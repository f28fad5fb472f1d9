import { RUNTIME_HOST_WIT, type ComponentRuntimeDescriptor } from "../../src/engine/component/runtime-descriptor.ts";
import { pythonDriver } from "./driver.ts";

/**
 * Python as data: CPython 3.11 built for WASI from Debian's sources by languages/python/build.sh, as
 * a reactor pre-initialised by Wizer (the interpreter is started and common modules imported in the
 * snapshot), with its standard library as a zip of .pyc files, mounted read-only at /kiln exactly as
 * it was when the snapshot was taken. The zip also holds the pure-Python Debian packages of packages.lock
 * (RECIPE.md, "Packages"), which a script imports from the zip on first use: the snapshot does not hold them.
 */
export const python: ComponentRuntimeDescriptor = {
  engine: "component",
  artifact: new URL("./python.wasm.gz", import.meta.url),
  witSource: `package kiln:runtime@0.1.0;
${RUNTIME_HOST_WIT}
world python {
  import host;
  export run: func(source: string) -> result<string, string>;
}
`,
  world: "python",
  driver: pythonDriver,
  warm: true,
  mounts: [{ path: "/kiln", file: "python311.zip", artifact: new URL("./python311.zip.gz", import.meta.url) }],
  language: {
    name: "python",
    aliases: ["py", "python3", "python3.11"],
    example: `def main(i):\n    return "hi " + i["name"]`,
    syntax: "python",
    version: "CPython 3.11.2 (Debian source package 3.11.2-6+deb12u8), as a WASI 0.2 component",
    // Upstream versions of the Debian packages pinned in packages.lock (the import names are in the README).
    libraries: [
      { name: "attrs", version: "22.2.0" },
      { name: "Jinja2", version: "3.1.2" },
      { name: "MarkupSafe", version: "2.1.2" },
      { name: "mpmath", version: "1.2.1" },
      { name: "python-dateutil", version: "2.8.2" },
      { name: "pytz", version: "2022.7.1" },
      { name: "PyYAML", version: "6.0" },
      { name: "six", version: "1.16.0" },
      { name: "toml", version: "0.10.2" },
      { name: "tomli-w", version: "1.0.0" },
      { name: "tzdata", version: "2026f" },
    ],
  },
};
