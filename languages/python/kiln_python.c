/*
 * Kiln's CPython 3.11 reactor: an embedded interpreter, initialised once by kiln_init (at build time,
 * under Wizer, so instances start from the snapshot), then driven through the canonical-ABI export
 * `run: func(source: string) -> result<string, string>`.
 *
 * Exports: kiln_init() (Wizer's init function; traps if Python cannot start), kiln_noop() (what
 * `_initialize` becomes after the snapshot), cabi_realloc, run and cabi_post_run. After Wizer only
 * memory, _initialize (the no-op), cabi_realloc, run and cabi_post_run remain.
 * Imports: WASI preview 1, and `call-json` from kiln:runtime/host@0.1.0 (see kiln_call below), which
 * Python code reaches as the builtin module `_kiln`.
 *
 * The snapshot is the same on every build: hash seed 0, `random` seeded with 0 (the host's wrapper must
 * reseed it per run), clock() without a start time, and the C stack zeroed at the end of kiln_init.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wasi/api.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* The modules imported once at init, so a run finds them in sys.modules; kiln_runner is Kiln's wrapper
   around a script (languages/python/kiln_runner.py, packed into the stdlib zip). */
static const char *const PRELOAD[] = {
  "json", "re", "math", "datetime", "collections", "decimal", "hashlib", "dataclasses", "typing", "random",
  "traceback", "io", "itertools", "functools", "string", "base64", "uuid", "_kiln", "kiln_runner", NULL,
};

/* The one stdlib location: a zip of .pyc files in the first (and only) preopened directory. */
#define STDLIB_ZIP L"/kiln/python311.zip"

/* ---- the host import ------------------------------------------------------------------------------ */

/*
 * `call-json: func(request: string) -> result<string, string>` of interface kiln:runtime/host@0.1.0,
 * lowered by the canonical ABI: the guest passes the request's pointer and length, and the host writes
 * the result record at `ret` (u8 case at offset 0, 0 ok / 1 err; the string's pointer at 4 and length at
 * 8), allocating the string in this memory with cabi_realloc. The guest owns and frees it, unless it is
 * empty: jco passes an empty string as pointer 1 without allocating, so only a non-empty one is freed.
 */
struct host_result {
  uint8_t tag;
  char *ptr;
  size_t len;
};
_Static_assert(sizeof(size_t) == 4 && sizeof(struct host_result) == 12 && _Alignof(struct host_result) == 4,
               "wasm32 layout");
_Static_assert(__builtin_offsetof(struct host_result, ptr) == 4 && __builtin_offsetof(struct host_result, len) == 8,
               "canonical ABI layout of result<string, string>");

__attribute__((import_module("kiln:runtime/host@0.1.0"), import_name("call-json")))
extern void kiln_host_call_json(const char *request, size_t request_len, struct host_result *ret);

static PyObject *HostError;

/* _kiln.call(request: str) -> str: the host's ok string, or raises _kiln.HostError(err string). */
static PyObject *kiln_call(PyObject *self, PyObject *request) {
  (void)self;
  if (!PyUnicode_Check(request)) {
    PyErr_Format(PyExc_TypeError, "_kiln.call() argument must be str, not %.100s", Py_TYPE(request)->tp_name);
    return NULL;
  }
  Py_ssize_t len;
  const char *text = PyUnicode_AsUTF8AndSize(request, &len);
  if (text == NULL) return NULL;
  struct host_result ret = {0, NULL, 0};
  kiln_host_call_json(text, (size_t)len, &ret);
  PyObject *answer = PyUnicode_DecodeUTF8(ret.len > 0 ? ret.ptr : "", (Py_ssize_t)ret.len, "strict");
  if (ret.len > 0) free(ret.ptr);
  if (answer == NULL || ret.tag == 0) return answer;
  PyErr_SetObject(HostError, answer);
  Py_DECREF(answer);
  return NULL;
}

static PyMethodDef kiln_methods[] = {
  {"call", kiln_call, METH_O,
   "call(request: str) -> str\n\nSends a JSON request to Kiln's host; returns its JSON answer, or raises HostError."},
  {NULL, NULL, 0, NULL},
};

static struct PyModuleDef kiln_module = {
  PyModuleDef_HEAD_INIT, "_kiln", "Kiln's host functions.", -1, kiln_methods, NULL, NULL, NULL, NULL,
};

static PyObject *PyInit__kiln(void) {
  PyObject *m = PyModule_Create(&kiln_module);
  if (m == NULL) return NULL;
  HostError = PyErr_NewExceptionWithDoc("_kiln.HostError", "An error answered by Kiln's host.", PyExc_Exception, NULL);
  if (HostError == NULL || PyModule_AddObjectRef(m, "HostError", HostError) < 0) {
    Py_DECREF(m);
    return NULL;
  }
  return m;
}

/* ---- initialisation ------------------------------------------------------------------------------- */

/*
 * wasi-libc's emulated clock() (libwasi-emulated-process-clocks) reads the monotonic clock in a
 * constructor and measures from there, which would bake Wizer's clock into the snapshot. These replace
 * it (times() and getrusage() call __clock too): the host's monotonic clock in ns (CLOCKS_PER_SEC is
 * 1e9), whose origin is unspecified, as time.process_time()'s is.
 */
clock_t __clock(void) {
  __wasi_timestamp_t now = 0;
  (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &now);
  return (clock_t)now;
}

clock_t clock(void) { return __clock(); }

/*
 * Zeroes the C stack below the caller's frame (the shadow stack is [__stack_low, __stack_high) with
 * --stack-first), so that the snapshot does not keep what init left there, such as the entropy `random`
 * read before kiln_init reseeds it. Nothing below the current frame is live.
 */
extern unsigned char __stack_low;
__attribute__((noinline)) static void scrub_stack(void) {
  volatile unsigned char probe[16];
  uintptr_t end = (uintptr_t)probe & ~(uintptr_t)7;
  for (volatile uint64_t *p = (volatile uint64_t *)&__stack_low; (uintptr_t)p < end; p++) *p = 0;
  probe[0] = 0;
}

static PyObject *format_exception; /* traceback.format_exception */
static PyObject *main_module;      /* the interpreter's own __main__, restored after each run */
static int initialized;

static void fail(const char *what, PyStatus status) {
  fprintf(stderr, "kiln_init: %s: %s%s%s\n", what, status.func ? status.func : "", status.func ? ": " : "",
          status.err_msg ? status.err_msg : "failed");
  fflush(stderr);
  __builtin_trap();
}

static void fail_py(const char *what) {
  fprintf(stderr, "kiln_init: %s\n", what);
  if (PyErr_Occurred()) PyErr_Print();
  fflush(stderr);
  __builtin_trap();
}

/* Set by a constructor, so kiln_init runs the constructors itself only if `_initialize` has not. */
static int ctors_ran;
__attribute__((constructor)) static void mark_ctors(void) { ctors_ran = 1; }
extern void _initialize(void);

/*
 * Starts the interpreter: isolated, no site, no user site, UTF-8 mode, no bytecode writing, hash seed 0
 * (no randomisation, so the snapshot is the same on every build), sys.path = [STDLIB_ZIP] only; then
 * preloads PRELOAD. Wizer runs it at build time; without a snapshot the host calls it after
 * `_initialize`. Traps if Python cannot start or a preload fails.
 */
EXPORT("kiln_init") void kiln_init(void) {
  if (initialized) return;
  if (!ctors_ran) _initialize();
  if (PyImport_AppendInittab("_kiln", PyInit__kiln) < 0) fail_py("cannot register _kiln");

  PyPreConfig preconfig;
  PyPreConfig_InitIsolatedConfig(&preconfig);
  preconfig.utf8_mode = 1;
  PyStatus status = Py_PreInitialize(&preconfig);
  if (PyStatus_Exception(status)) fail("Py_PreInitialize", status);

  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  config.site_import = 0;
  config.user_site_directory = 0;
  config.write_bytecode = 0;
  config.use_hash_seed = 1;
  config.hash_seed = 0;
  config.buffered_stdio = 1;
  config.use_frozen_modules = 1;
  config.install_signal_handlers = 0;
  config.pathconfig_warnings = 0;
  status = PyConfig_SetString(&config, &config.program_name, L"python3.11");
  if (!PyStatus_Exception(status)) status = PyConfig_SetString(&config, &config.home, L"/kiln");
  if (!PyStatus_Exception(status)) status = PyConfig_SetString(&config, &config.executable, L"");
  if (!PyStatus_Exception(status)) {
    config.module_search_paths_set = 1;
    status = PyWideStringList_Append(&config.module_search_paths, STDLIB_ZIP);
  }
  if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) fail("Py_InitializeFromConfig", status);

  for (const char *const *name = PRELOAD; *name; name++) {
    PyObject *m = PyImport_ImportModule(*name);
    if (m == NULL) {
      fprintf(stderr, "kiln_init: cannot import %s\n", *name);
      fail_py("preload failed");
    }
    Py_DECREF(m);
  }
  /* The snapshot must not depend on the entropy seen at build time: `random` is seeded with 0 here, so
     every instance starts with the same sequence until the host's wrapper reseeds it (Kiln's does). */
  PyObject *r = PyImport_ImportModule("random");
  PyObject *seeded = r ? PyObject_CallMethod(r, "seed", "i", 0) : NULL;
  Py_XDECREF(r);
  if (seeded == NULL) fail_py("random.seed(0) failed");
  Py_DECREF(seeded);
  /* stdout's line buffering would depend on whether Wizer's stdout was a terminal: fix it off. */
  PyObject *out = PySys_GetObject("stdout"); /* borrowed */
  PyObject *reconfigure = out ? PyObject_GetAttrString(out, "reconfigure") : NULL;
  PyObject *args = PyTuple_New(0);
  PyObject *kwargs = Py_BuildValue("{s:O}", "line_buffering", Py_False);
  PyObject *done = reconfigure && args && kwargs ? PyObject_Call(reconfigure, args, kwargs) : NULL;
  Py_XDECREF(reconfigure);
  Py_XDECREF(args);
  Py_XDECREF(kwargs);
  if (done == NULL) fail_py("sys.stdout.reconfigure failed");
  Py_DECREF(done);

  PyObject *tb = PyImport_ImportModule("traceback");
  format_exception = tb ? PyObject_GetAttrString(tb, "format_exception") : NULL;
  Py_XDECREF(tb);
  if (format_exception == NULL) fail_py("no traceback.format_exception");
  main_module = PyImport_AddModule("__main__"); /* borrowed */
  if (main_module == NULL) fail_py("no __main__");
  Py_INCREF(main_module);

  /* Collect init garbage, then move every surviving object out of the collector's reach. */
  PyObject *gc = PyImport_ImportModule("gc");
  PyObject *c = gc ? PyObject_CallMethod(gc, "collect", NULL) : NULL;
  Py_XDECREF(c);
  PyObject *f = c ? PyObject_CallMethod(gc, "freeze", NULL) : NULL;
  Py_XDECREF(gc);
  if (f == NULL) fail_py("gc.freeze failed");
  Py_DECREF(f);
  fflush(stdout);
  fflush(stderr);
  initialized = 1;
  scrub_stack();
}

/* What `_initialize` becomes in the snapshot: the constructors already ran at build time. */
EXPORT("kiln_noop") void kiln_noop(void) {}

/*
 * The canonical ABI's allocator. The host uses it for `run`'s source and `call-json`'s results and does
 * not check for NULL (jco would write at address 0), so running out of memory here traps instead.
 * malloc's alignment (16) covers every canonical-ABI type.
 */
EXPORT("cabi_realloc") void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  (void)old_size;
  if (align > 16) __builtin_trap();
  void *p = realloc(old, new_size ? new_size : 1);
  if (p == NULL) __builtin_trap();
  return p;
}

/* ---- run ------------------------------------------------------------------------------------------- */

/* run's result record: result<string, string> in the canonical ABI. */
static struct {
  uint8_t tag;
  char *ptr;
  size_t len;
} result_area;
_Static_assert(sizeof(result_area) == 12 && __builtin_offsetof(__typeof__(result_area), ptr) == 4 &&
               __builtin_offsetof(__typeof__(result_area), len) == 8, "canonical ABI layout of result<string, string>");

static const char OOM[] = "memory:out of memory";
static char *pending; /* the last result string, until cabi_post_run frees it */

static void *set_result(uint8_t tag, const char *kind, const char *text, size_t len) {
  size_t kind_len = kind ? strlen(kind) + 1 : 0;
  char *copy = malloc(kind_len + len + 1);
  if (copy == NULL) {
    result_area.tag = 1;
    result_area.ptr = (char *)OOM;
    result_area.len = sizeof OOM - 1;
    return &result_area;
  }
  if (kind) {
    memcpy(copy, kind, kind_len - 1);
    copy[kind_len - 1] = ':';
  }
  memcpy(copy + kind_len, text, len);
  pending = copy;
  result_area.tag = tag;
  result_area.ptr = copy;
  result_area.len = kind_len + len;
  return &result_area;
}

/* err "<memory|runtime>:<traceback>" from the raised exception (which this clears). */
static void *error_result(void) {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  PyErr_NormalizeException(&type, &value, &tb);
  if (value == NULL) {
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return set_result(1, "runtime", "unknown error", 13);
  }
  if (tb != NULL) PyException_SetTraceback(value, tb);
  const char *kind = PyErr_GivenExceptionMatches(type, PyExc_MemoryError) ? "memory" : "runtime";
  Py_XDECREF(type);
  Py_XDECREF(tb);
  PyObject *text = NULL;
  PyObject *lines = PyObject_CallOneArg(format_exception, value);
  if (lines != NULL) {
    PyObject *empty = PyUnicode_FromStringAndSize("", 0);
    if (empty != NULL) text = PyUnicode_Join(empty, lines);
    Py_XDECREF(empty);
    Py_DECREF(lines);
  }
  if (text == NULL) {
    PyErr_Clear();
    text = PyObject_Repr(value);
  }
  Py_DECREF(value);
  Py_ssize_t len = 0;
  const char *utf8 = text ? PyUnicode_AsUTF8AndSize(text, &len) : NULL;
  void *r;
  if (utf8 != NULL) r = set_result(1, kind, utf8, (size_t)len);
  else if (kind[0] == 'm') r = set_result(1, kind, "MemoryError", 11);
  else r = set_result(1, kind, "(the exception could not be formatted)", 38);
  Py_XDECREF(text);
  PyErr_Clear();
  return r;
}

static void flush_stdio(void) {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  static const char *const names[] = {"stdout", "stderr"};
  for (int i = 0; i < 2; i++) {
    PyObject *f = PySys_GetObject(names[i]); /* borrowed */
    if (f == NULL || f == Py_None) continue;
    PyObject *r = PyObject_CallMethod(f, "flush", NULL);
    if (r == NULL) PyErr_Clear();
    Py_XDECREF(r);
  }
  fflush(stdout);
  fflush(stderr);
  PyErr_Restore(type, value, tb);
}

/*
 * The component entry `run: func(source: string) -> result<string, string>` in the canonical ABI:
 * runs `source` (UTF-8 Python, owned by the callee) as a module body in a fresh module `__main__`, then
 * answers ok(globals["__kiln_out__"]) if that is a str; err "runtime:no __kiln_out__" if not; and err
 * "memory:<traceback>" or "runtime:<traceback>" if the body raised. Returns a pointer to the record.
 */
EXPORT("run") void *run(char *src, size_t len) {
  if (pending != NULL) {
    free(pending);
    pending = NULL;
  }
  if (!initialized) kiln_init();

  char *code = malloc(len + 1);
  if (code != NULL) {
    memcpy(code, src, len);
    code[len] = 0;
  }
  if (len > 0) free(src);
  if (code == NULL) return set_result(1, NULL, OOM, sizeof OOM - 1);

  void *r = NULL;
  PyObject *modules = PyImport_GetModuleDict(); /* borrowed */
  PyObject *mod = PyModule_New("__main__");
  PyObject *globals = mod ? PyModule_GetDict(mod) : NULL; /* borrowed */
  if (globals == NULL || PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) < 0 ||
      PyDict_SetItemString(modules, "__main__", mod) < 0) {
    r = error_result();
  } else if (memchr(code, 0, len) != NULL) {
    PyErr_SetString(PyExc_SyntaxError, "source code string cannot contain null bytes");
    r = error_result();
  } else {
    PyCompilerFlags flags = _PyCompilerFlags_INIT;
    flags.cf_flags = PyCF_IGNORE_COOKIE;
    PyObject *v = PyRun_StringFlags(code, Py_file_input, globals, globals, &flags);
    if (v == NULL) {
      r = error_result();
    } else {
      Py_DECREF(v);
      PyObject *out = PyDict_GetItemString(globals, "__kiln_out__"); /* borrowed */
      if (out != NULL && PyUnicode_Check(out)) {
        Py_ssize_t n;
        const char *utf8 = PyUnicode_AsUTF8AndSize(out, &n);
        r = utf8 ? set_result(0, NULL, utf8, (size_t)n) : error_result();
      } else {
        r = set_result(1, "runtime", "no __kiln_out__", 15);
      }
    }
  }
  free(code);
  if (globals != NULL) PyDict_Clear(globals);
  PyErr_Clear();
  if (main_module != NULL) PyDict_SetItemString(modules, "__main__", main_module);
  Py_XDECREF(mod);
  PyErr_Clear();
  flush_stdio();
  PyErr_Clear();
  return r;
}

/* Frees the string of the record `run` returned, once the host has read it. */
EXPORT("cabi_post_run") void cabi_post_run(void *ret) {
  (void)ret;
  if (pending != NULL) {
    free(pending);
    pending = NULL;
  }
}
