"""Kiln's runner for Python scripts, preloaded in the Wizer snapshot so a run only calls it.

`run(code, input_json, seed)` installs a fresh `kiln` module (Kiln's host over `_kiln.call`),
reseeds `random`, compiles the script under the file name `script` in a fresh `__main__`
namespace, calls `main(input)` if the script defines it, and returns a JSON envelope:
`{"ok":true,"result":...}` or `{"ok":false,"kind":"syntax"|"guest"|"memory","message":...,"line":...}`.
"""
import json
import random
import sys
import traceback
import types

import _kiln

def run(code, input_json, seed):
    """Runs one script; returns the JSON envelope as text."""

    class HostError(Exception):
        def __init__(self, text):
            self.code, _, self.detail = text.partition(": ")
            super().__init__(text)

    def call(name, *args):
        try:
            answer = _kiln.call(json.dumps([name, list(args)]))
        except _kiln.HostError as e:
            raise HostError(str(e)) from None
        return json.loads(answer)

    kiln = types.ModuleType("kiln", "Kiln's host interfaces (wit/): log, kv, http, secrets.")
    kiln.HostError = HostError
    kiln.log = types.SimpleNamespace(write=lambda level, message: call("log.write", level, message))
    kiln.kv = types.SimpleNamespace(
        get=lambda key: call("kv.get", key),
        set=lambda key, value, ttl_ms=None: call("kv.set", key, value, ttl_ms),
        delete=lambda key: call("kv.delete", key),
        list=lambda prefix, limit=None: call("kv.list", prefix, limit),
    )
    kiln.http = types.SimpleNamespace(fetch=lambda request: call("http.fetch", request))
    kiln.secrets = types.SimpleNamespace(get=lambda name: call("secrets.get", name))
    sys.modules["kiln"] = kiln
    random.seed(seed)

    def failure(kind, e):
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != "script":
            tb = tb.tb_next
        line = None
        last = tb
        while last is not None:
            if last.tb_frame.f_code.co_filename == "script":
                line = last.tb_lineno
            last = last.tb_next
        message = "".join(traceback.format_exception(type(e), e, tb)).rstrip()
        return json.dumps({"ok": False, "kind": kind, "message": message, "line": line})

    try:
        try:
            compiled = compile(code, "script", "exec")
        except SyntaxError as e:
            return json.dumps({"ok": False, "kind": "syntax", "message": "".join(traceback.format_exception_only(type(e), e)).rstrip(), "line": e.lineno})
        except (MemoryError, RecursionError):
            # CPython's parser gives up on deeply nested source with these; it is the source's fault, not memory.
            return json.dumps({"ok": False, "kind": "syntax", "message": "SyntaxError: the script is nested too deeply to parse", "line": None})
        namespace = {"__name__": "__main__", "__builtins__": __builtins__}
        exec(compiled, namespace)
        main = namespace.get("main")
        result = None
        if callable(main):
            takes = getattr(getattr(main, "__code__", None), "co_argcount", 1)
            result = main(json.loads(input_json)) if takes else main()
        try:
            return '{"ok":true,"result":' + json.dumps(result, allow_nan=False) + "}"
        except (TypeError, ValueError) as e:
            return json.dumps({"ok": False, "kind": "guest", "message": "TypeError: the result is not JSON-serialisable: " + str(e)})
    except MemoryError:
        return '{"ok":false,"kind":"memory"}'
    except SystemExit as e:
        if e.code is None or e.code == 0:
            return '{"ok":true,"result":null}'
        return json.dumps({"ok": False, "kind": "guest", "message": "SystemExit: " + str(e.code)})
    except BaseException as e:
        return failure("guest", e)
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
