"""Packs CPython's Lib/ as python311.zip: .pyc only, legacy layout (json/__init.pyc beside where the .py
was, which is what zipimport looks for), unchecked-hash pycs (never compared with a source), entries
STORED (zipimport needs no zlib), sorted, with fixed timestamps and modes, so the bytes are reproducible.

Usage: python3.11 -I stdlib.py [--packages <root>] <CPython Lib dir> <output zip> [extra .py file ...]
The extra files (the build's _sysconfigdata, Kiln's runner) go in at the top level.
Run it with a 3.11 interpreter: the .pyc magic number must match the wasm build's (3495).

Or: python3.11 -I stdlib.py [--packages <root>] --replace <input zip> <output zip> <top-level .py file ...>
rewrites a zip this script made with those top-level modules compiled again (rebuild-snapshot.sh uses it
to put a new kiln_runner.py into the committed zip); every other entry keeps its bytes.

With --packages, <root> is where packages.sh unpacked the Debian packages of packages.lock: the modules
of PACKAGES (from usr/lib/python3/dist-packages) go in at the top level beside the standard library, as
.pyc files compiled the same way, and the IANA time zone database (usr/share/zoneinfo) as the package
`tzdata` in the layout of PyPI's tzdata, which zoneinfo and the patched pytz read. With --replace, every
entry under those top-level names is dropped first, so the result is what a full build would write.
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
# The modules taken from Debian's dist-packages (packages.lock): pure Python only. Their .so speedups (yaml's
# _yaml, markupsafe's _speedups) are left out, and each falls back to its pure-Python code.
PACKAGES = ["attr", "attrs", "dateutil", "jinja2", "markupsafe", "mpmath", "pytz", "six.py", "toml",
            "tomli_w", "yaml"]
DIST_PACKAGES = "usr/lib/python3/dist-packages"
ZONEINFO = "usr/share/zoneinfo"
# Not time zones: the leap-second tables, the posix/right variants, and the host's own settings.
ZONEINFO_SKIP = {"posix", "right", "localtime", "posixrules", "leapseconds", "leap-seconds.list"}
ZONEINFO_TABLES = {"tzdata.zi", "zone.tab", "zone1970.tab", "iso3166.tab"}
# Debian's pytz reads the database from /usr/share/zoneinfo, which a Kiln run does not have: it reads the
# zip's tzdata package instead. (old text, new text), each found exactly once in pytz/__init__.py.
PYTZ_PATCH = [
    ("import zoneinfo\n", "import zoneinfo\nimport importlib.resources\n\n\n"
     "def _zoneinfo_files():\n"
     "    # Kiln: the IANA database is the package tzdata in python311.zip, not /usr/share/zoneinfo.\n"
     "    return importlib.resources.files(\"tzdata.zoneinfo\")\n"),
    ('pathlib.Path("/usr/share/zoneinfo/tzdata.zi")', '_zoneinfo_files().joinpath("tzdata.zi")'),
    ('pathlib.Path("/usr/share/zoneinfo/zone1970.tab")', '_zoneinfo_files().joinpath("zone1970.tab")'),
    ("    return open(filename, 'rb')\n", "    return _zoneinfo_files().joinpath(*name_parts).open('rb')\n"),
]


def main(lib, out, *extras, packages=None):
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
    if packages:
        entries.update(package_entries(packages))
    write_zip(entries, out)


def patched(rel, source):
    """`source` with Kiln's patch applied if it has one (pytz/__init__.py), else as it is."""
    if rel != "pytz/__init__.py":
        return source
    text = source.decode("utf-8")
    for old, new in PYTZ_PATCH:
        if text.count(old) != 1:
            sys.exit(f"stdlib.py: pytz/__init__.py does not hold {old!r} exactly once: a different pytz?")
        text = text.replace(old, new)
    return text.encode("utf-8")


def with_directories(entries):
    """`entries` plus an entry for every directory above each of them."""
    for name in list(entries):
        parts = name.rstrip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            entries.setdefault("/".join(parts[:i]) + "/", None)
    return entries


def package_entries(root):
    """The zip entries of the Debian packages unpacked under `root`: PACKAGES' modules as .pyc (tests left
    out, as in the standard library), and the tzdata package built from Debian's zoneinfo."""
    entries = {}
    site = os.path.join(root, DIST_PACKAGES)
    for top in PACKAGES:
        path = os.path.join(site, top)
        if top.endswith(".py"):
            with open(path, "rb") as f:
                entries[top + "c"] = pyc(top, f.read())
            continue
        if not os.path.isdir(path):
            sys.exit(f"stdlib.py: no {top} in {site}")
        for d, dirs, files in os.walk(path):
            dirs[:] = sorted(x for x in dirs if x not in DROP_DIRS)
            for name in files:
                if name.endswith(".py"):
                    rel = os.path.relpath(os.path.join(d, name), site).replace(os.sep, "/")
                    with open(os.path.join(d, name), "rb") as f:
                        entries[rel + "c"] = pyc(rel, patched(rel, f.read()))
    zoneinfo = os.path.join(root, ZONEINFO)
    zones = []
    with open(os.path.join(zoneinfo, "tzdata.zi"), encoding="utf-8") as f:
        version = f.readline().split()[-1]
    for d, dirs, files in os.walk(zoneinfo):
        dirs[:] = sorted(x for x in dirs if x not in ZONEINFO_SKIP)
        rel_dir = os.path.relpath(d, zoneinfo).replace(os.sep, "/")
        package = "tzdata/zoneinfo" if rel_dir == "." else "tzdata/zoneinfo/" + rel_dir
        entries[package + "/__init__.pyc"] = pyc(package + "/__init__.py", b"")
        for name in files:
            key = name if rel_dir == "." else rel_dir + "/" + name
            if name in ZONEINFO_SKIP or name.endswith(".tab") and name not in ZONEINFO_TABLES:
                continue
            with open(os.path.join(d, name), "rb") as f:  # a symlink's target's bytes: the zip holds no links
                data = f.read()
            if name not in ZONEINFO_TABLES and not data.startswith(b"TZif"):
                continue
            entries[package + "/" + name] = data
            if name not in ZONEINFO_TABLES:
                zones.append(key)
    entries["tzdata/zones"] = "".join(z + "\n" for z in sorted(zones)).encode("ascii")
    entries["tzdata/__init__.pyc"] = pyc("tzdata/__init__.py", f'"""The IANA time zone database {version}, from Debian\'s tzdata."""\nIANA_VERSION = "{version}"\n'.encode("ascii"))
    return with_directories(entries)


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


def replace(zip_in, out, *files, packages=None):
    """`zip_in` with the top-level modules `files` compiled again (the zip must have held each of them), and
    with `packages` (a packages.sh root) its package entries made again."""
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
    if packages:
        tops = {top[:-3] + ".pyc" if top.endswith(".py") else top + "/" for top in PACKAGES + ["tzdata"]}
        entries = {n: b for n, b in entries.items() if not any(n == t or t.endswith("/") and n.startswith(t) for t in tops)}
        entries.update(package_entries(packages))
    write_zip(entries, out)


if __name__ == "__main__":
    argv, packages = sys.argv[1:], None
    if argv[:1] == ["--packages"]:
        packages, argv = argv[1], argv[2:]
    if argv[:1] == ["--replace"]:
        replace(*argv[1:], packages=packages)
    else:
        main(*argv, packages=packages)
