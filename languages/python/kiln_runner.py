"""Kiln's runner for Python scripts, preloaded in the Wizer snapshot so a run only calls it.

`run(code, input_json, seed, evaluate_only=False)` installs a fresh `kiln` module (Kiln's host over
`_kiln.call`), reseeds `random`, sets the recursion limit to CPython's default (1000), compiles the
script under the file name `script` and runs it as a fresh module `__main__` (sys.modules["__main__"]
for the run) whose namespace starts as `python3.11 script` would make it, calls `main(input)` if the script defines it (unless `evaluate_only`: a
deploy-time check runs the top level only), and returns a JSON envelope: `{"ok":true,"result":...}`
or `{"ok":false,"kind":"syntax"|"guest"|"memory","message":...,"line":...,"column":...}`.
Tracebacks show the script's own frames only; `line` and `column` (1-based, in characters) say
where in the script.
"""
import builtins
import json
import linecache
import os
import posix
import random
import sys
import traceback
import types
from importlib.machinery import SourceFileLoader

import _kiln

SCRIPT = "script"  # the script's file name: its code's co_filename, its __file__, what tracebacks show
# CPython's default recursion limit; a WASI build starts at 600. Its C stack (2 MiB) and the Python frames
# on the heap hold 1000 levels; the host's own stack must too (RECIPE.md, "Deep recursion").
RECURSION_LIMIT = 1000

# Bound once, in the snapshot: a script that replaces json.dumps or _kiln.call changes only what it sees.
_dumps = json.dumps
_loads = json.loads
_host_call = _kiln.call
_HostErrorText = _kiln.HostError
_TracebackException = traceback.TracebackException


class HostError(Exception):
    """A host call Kiln refused. `code` is capability_denied, limit_exceeded, invalid_argument or failed;
    `detail` says why."""

    def __init__(self, text=""):
        text = str(text)
        self.code, _, self.detail = text.partition(": ")
        super().__init__(text)


HostError.__module__ = "kiln"


def _call(name, args):
    try:
        answer = _host_call(_dumps([name, args]))
    except _HostErrorText as e:
        raise HostError(str(e)) from None
    return _loads(answer)


def _kiln_function(qualname, fn):
    """`fn` as `kiln.<qualname>`: its name is what a TypeError about its arguments shows."""
    fn.__module__ = "kiln"
    fn.__name__ = qualname.rpartition(".")[2]
    fn.__qualname__ = qualname
    return fn


def _log_write(level, message):
    """Writes an entry to the run's log stream: level is debug, info, warn or error."""
    return _call("log.write", [level, message])


def _kv_get(key):
    """The value stored under key, or None."""
    return _call("kv.get", [key])


def _kv_set(key, value, ttl_ms=None):
    """Stores value under key, for ttl_ms milliseconds if given."""
    return _call("kv.set", [key, value, ttl_ms])


def _kv_delete(key):
    """Deletes key."""
    return _call("kv.delete", [key])


def _kv_list(prefix="", limit=None):
    """The keys that start with prefix (every key by default), at most limit of them."""
    return _call("kv.list", [prefix, limit])


def _http_fetch(request):
    """Fetches a URL, or a request dict {method, url, headers, body}: returns {status, headers, body}."""
    return _call("http.fetch", [request])


def _secrets_get(name):
    """The value of the granted secret name, or None."""
    return _call("secrets.get", [name])


_FUNCTIONS = {
    "log": {"write": _log_write},
    "kv": {"get": _kv_get, "set": _kv_set, "delete": _kv_delete, "list": _kv_list},
    "http": {"fetch": _http_fetch},
    "secrets": {"get": _secrets_get},
}
for _iface, _fns in _FUNCTIONS.items():
    for _name, _fn in _fns.items():
        _kiln_function(_iface + "." + _name, _fn)


def _kiln_module():
    """A new `kiln` module for one run (what a script does to it stays in that run)."""
    kiln = types.ModuleType("kiln", "Kiln's host interfaces (wit/): log, kv, http, secrets; a refused call raises HostError.")
    kiln.HostError = HostError
    for iface, fns in _FUNCTIONS.items():
        setattr(kiln, iface, types.SimpleNamespace(**fns))
    kiln.__all__ = ["HostError", *_FUNCTIONS]
    return kiln


def _flush():
    """Flushes the script's stdout and stderr, and the process's own if the script replaced them."""
    seen = []
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        if stream is None or any(stream is s for s in seen):
            continue
        seen.append(stream)
        try:
            stream.flush()
        except Exception:
            pass


# os._exit and os.abort end the process without flushing Python's buffers: flush them first, so what
# the script printed before is not lost. (They are the same objects in os and posix.)
def _wrap_ending(real):
    def ending(*args, **kwargs):
        _flush()
        return real(*args, **kwargs)

    ending.__name__ = real.__name__
    ending.__qualname__ = real.__qualname__
    ending.__module__ = getattr(real, "__module__", None) or "posix"
    ending.__doc__ = real.__doc__
    return ending


for _name in ("_exit", "abort"):
    _ending = _wrap_ending(getattr(posix, _name))
    setattr(posix, _name, _ending)
    setattr(os, _name, _ending)
del _iface, _fns, _name, _fn, _ending


def _source_lines(code):
    """The script's lines as the compiler splits them (\\n, \\r\\n or \\r), each ending in \\n."""
    return [line + "\n" for line in code.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


_REPEATS_SHOWN = 3  # as CPython: the first 3 of a run of the same frame, then "[Previous line repeated N more times]"
_GROUPS_SHOWN = 50  # at each end of a long traceback


class _ScriptStack(traceback.StackSummary):
    """The script's frames, formatted as CPython does, but a repeated frame is formatted (its source line
    read, its carets found by parsing it) only where it is shown, and a traceback of more than 100
    distinct frames shows the first and last 50 of them."""

    def format(self):
        groups = []  # [first frames (up to _REPEATS_SHOWN), how many in a row]
        for frame in self:
            last = groups[-1][0][0] if groups else None
            if last is not None and (last.filename, last.lineno, last.name) == (frame.filename, frame.lineno, frame.name):
                if len(groups[-1][0]) < _REPEATS_SHOWN:
                    groups[-1][0].append(frame)
                groups[-1][1] += 1
            else:
                groups.append([[frame], 1])
        omitted = 0
        if len(groups) > 2 * _GROUPS_SHOWN:
            omitted = sum(count for _, count in groups[_GROUPS_SHOWN:-_GROUPS_SHOWN])
            groups = groups[:_GROUPS_SHOWN] + [None] + groups[-_GROUPS_SHOWN:]
        result = []
        for group in groups:
            if group is None:
                result.append(f"  [{omitted} more frames]\n")
                continue
            frames, count = group
            result += [text for text in map(self.format_frame_summary, frames) if text is not None]
            if count > _REPEATS_SHOWN:
                more = count - _REPEATS_SHOWN
                result.append(f'  [Previous line repeated {more} more time{"s" if more > 1 else ""}]\n')
        return result


def _script_frames_only(te):
    """Keeps only the script's frames in a TracebackException and in the ones chained to it."""
    pending, seen = [te], set()
    while pending:
        t = pending.pop()
        if t is None or id(t) in seen:
            continue
        seen.add(id(t))
        t.stack = _ScriptStack(f for f in t.stack if f.filename == SCRIPT)
        pending += [t.__cause__, t.__context__, *(getattr(t, "exceptions", None) or ())]


def _column(lines, lineno, byte_offset):
    """A 0-based UTF-8 byte offset in a script line as a 1-based character column."""
    if not isinstance(lineno, int) or not isinstance(byte_offset, int) or byte_offset < 0 or not 1 <= lineno <= len(lines):
        return None
    return len(lines[lineno - 1].encode("utf-8", "surrogatepass")[:byte_offset].decode("utf-8", "replace")) + 1


def _guest_failure(e, lines, message=None):
    """A guest error: the traceback of the script's own frames (or `message`), and where its innermost frame was."""
    line = column = None
    try:
        te = _TracebackException(type(e), e, e.__traceback__, lookup_lines=False)
        _script_frames_only(te)
        if te.stack:
            innermost = te.stack[-1]
            line = innermost.lineno
            column = _column(lines, line, innermost.colno)
        if message is None:
            message = "".join(te.format()).rstrip()
    except MemoryError:
        raise
    except BaseException:
        # Formatting ran the script's own code (an exception's __str__, a loader) and that failed.
        if message is None:
            message = "".join(traceback.format_exception_only(type(e), e)).rstrip()
    return _dumps({"ok": False, "kind": "guest", "message": message, "line": line, "column": column})


def _syntax_failure(e, lines):
    """A syntax error: the compiler's message, with its line and 1-based column when it knows them."""
    message = "".join(traceback.format_exception_only(type(e), e)).rstrip()
    line = e.lineno if isinstance(e.lineno, int) and e.lineno >= 1 else None
    column = e.offset if line is not None and isinstance(e.offset, int) and e.offset >= 1 else None
    return _dumps({"ok": False, "kind": "syntax", "message": message, "line": line, "column": column})


def _null_byte_failure(code, lines):
    """CPython 3.11.2 refuses a NUL in source with a ValueError; it is a syntax error all the same."""
    line = next(n for n, text in enumerate(lines, 1) if "\0" in text)
    column = lines[line - 1].index("\0") + 1
    return _dumps({"ok": False, "kind": "syntax", "message": "SyntaxError: source code string cannot contain null bytes", "line": line, "column": column})


def _main_module():
    """A new module `__main__` for the script, its namespace as `python3.11 script` starts it: `__name__`,
    `__doc__` (None until a docstring sets it), `__package__` and `__spec__` None, a SourceFileLoader,
    `__annotations__` {}, the builtins module, `__file__` and `__cached__` None, in CPython's order."""
    module = types.ModuleType("__main__")
    namespace = module.__dict__
    namespace["__loader__"] = SourceFileLoader("__main__", SCRIPT)
    namespace["__annotations__"] = {}
    namespace["__builtins__"] = builtins
    namespace["__file__"] = SCRIPT
    namespace["__cached__"] = None
    return module


def run(code, input_json, seed, evaluate_only=False):
    """Runs one script; returns the JSON envelope as text."""
    sys.modules["kiln"] = _kiln_module()
    random.seed(seed)
    sys.setrecursionlimit(RECURSION_LIMIT)
    outer_main = sys.modules.get("__main__")
    lines = _source_lines(code)
    # The script's source for tracebacks (and inspect); mtime None: checkcache leaves it alone.
    linecache.cache[SCRIPT] = (len(code), None, lines, SCRIPT)
    try:
        try:
            compiled = compile(code, SCRIPT, "exec")
        except SyntaxError as e:
            if e.lineno is None and "\0" in code:
                return _null_byte_failure(code, lines)
            return _syntax_failure(e, lines)
        except ValueError:
            if "\0" in code:
                return _null_byte_failure(code, lines)
            raise
        except (MemoryError, RecursionError):
            # CPython's parser gives up on deeply nested source with these; it is the source's fault, not memory.
            return _dumps({"ok": False, "kind": "syntax", "message": "SyntaxError: the script is nested too deeply to parse", "line": None})
        module = _main_module()
        namespace = module.__dict__
        # As for a script CPython runs: pickle, dataclasses and typing find its names in sys.modules.
        sys.modules["__main__"] = module
        exec(compiled, namespace)
        result = None
        main = namespace.get("main")
        if not evaluate_only and callable(main):
            takes = getattr(getattr(main, "__code__", None), "co_argcount", 1)
            result = main(_loads(input_json)) if takes else main()
        try:
            return '{"ok":true,"result":' + _dumps(result, allow_nan=False) + "}"
        except (TypeError, ValueError) as e:
            return _dumps({"ok": False, "kind": "guest", "message": "TypeError: the result is not JSON-serialisable: " + str(e)})
    except MemoryError:
        return '{"ok":false,"kind":"memory"}'
    except SystemExit as e:
        if e.code is None or e.code == 0:
            return '{"ok":true,"result":null}'
        return _guest_failure(e, lines, "SystemExit: " + str(e.code))
    except BaseException as e:
        return _guest_failure(e, lines)
    finally:
        linecache.cache.pop(SCRIPT, None)
        if outer_main is not None:
            sys.modules["__main__"] = outer_main
        _flush()
