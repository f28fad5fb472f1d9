"""Packs CPython's Lib/ as python311.zip: .pyc only, legacy layout (json/__init.pyc beside where the .py
was, which is what zipimport looks for), unchecked-hash pycs (never compared with a source), entries
STORED (zipimport needs no zlib), sorted, with fixed timestamps and modes, so the bytes are reproducible.

Usage: python3.11 -I stdlib.py <CPython Lib dir> <output zip> [extra .py file ...]
The extra files (the build's _sysconfigdata, Kiln's runner) go in at the top level.
Run it with a 3.11 interpreter: the .pyc magic number must match the wasm build's (3495).

Or: python3.11 -I stdlib.py --replace <input zip> <output zip> <top-level .py file ...>
rewrites a zip this script made with those top-level modules compiled again (rebuild-snapshot.sh uses it
to put a new kiln_runner.py into the committed zip); every other entry keeps its bytes.
"""
import importlib.util
import io
import os
import sys
import zipfile

# co_filename of every code object: tracebacks show e.g. /kiln/python311.zip/json/decoder.py
PREFIX = "/kiln/python311.zip"
# Left out: tests, GUI and packaging tools, and modules whose C half is not built for WASI.
DROP_DIRS = {"test", "tests", "idle_test", "idlelib", "tkinter", "turtledemo", "ensurepip", "venv",
             "pydoc_data", "lib2to3", "distutils", "msilib", "ctypes", "sqlite3", "curses",
             "site-packages", "__phello__", "__pycache__"}
DROP_FILES = {"turtle.py", "__hello__.py"}
DATE = (1980, 1, 1, 0, 0, 0)


def main(lib, out, *extras):
    if sys.version_info[:2] != (3, 11):
        sys.exit("stdlib.py: needs Python 3.11, this is " + sys.version)
    sources = {}
    for root, dirs, files in os.walk(lib):
        dirs[:] = sorted(d for d in dirs if d not in DROP_DIRS)
        rel_dir = os.path.relpath(root, lib)
        for name in files:
            if name.endswith(".py") and name not in DROP_FILES:
                rel = name if rel_dir == "." else rel_dir + "/" + name
                sources[rel] = os.path.join(root, name)
    for extra in extras:
        sources[os.path.basename(extra)] = extra

    entries = {}
    for rel in sorted(sources):
        with open(sources[rel], "rb") as f:
            entries[rel + "c"] = pyc(rel, f.read())
        parts = rel.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            entries.setdefault("/".join(parts[:i]) + "/", None)
    write_zip(entries, out)


def pyc(rel, source):
    """The unchecked-hash .pyc of `source`, whose code objects name /kiln/python311.zip/<rel>."""
    code = compile(source, PREFIX + "/" + rel, "exec", dont_inherit=True, optimize=0)
    return bytes(importlib._bootstrap_external._code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False))


def write_zip(entries, out):
    """Writes {name: bytes, or None for a directory} as the zip, sorted, with fixed dates and modes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.create_system = 3
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = ((0o40755 << 16) | 0x10) if name.endswith("/") else (0o100644 << 16)
            z.writestr(info, entries[name] or b"")
    with open(out, "wb") as f:
        f.write(buf.getvalue())
    print(f"{out}: {len(entries)} entries, {len(buf.getvalue())} bytes")


def replace(zip_in, out, *files):
    """`zip_in` with the top-level modules `files` compiled again; the zip must have held each of them."""
    if sys.version_info[:2] != (3, 11):
        sys.exit("stdlib.py: needs Python 3.11, this is " + sys.version)
    with zipfile.ZipFile(zip_in) as z:
        entries = {info.filename: None if info.is_dir() else z.read(info) for info in z.infolist()}
    for path in files:
        rel = os.path.basename(path)
        if rel + "c" not in entries:
            sys.exit(f"stdlib.py: {zip_in} has no {rel}c to replace")
        with open(path, "rb") as f:
            entries[rel + "c"] = pyc(rel, f.read())
    write_zip(entries, out)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--replace"]:
        replace(*sys.argv[2:])
    else:
        main(*sys.argv[1:])
