/*
 * Kiln's Lua 5.4 reactor: a fresh interpreter per instance with only base (minus dofile/loadfile),
 * coroutine, table, string, math and utf8, plus os.time and os.clock, and io.write / io.flush /
 * io.stdout / io.stderr (write and flush only; no files), plus two globals for the wrapper Kiln runs
 * around a script, which captures them and removes them: __kiln_call(name, args) -> ok, text for Kiln's
 * host functions, and __kiln_where() for its message handler. Chunks load as text only, never bytecode
 * (build.sh patches ldo.c so that a binary chunk is refused whatever the mode).
 * Output goes to WASI stdout/stderr. build.sh lowers LUAI_MAXSTACK, so deep recursion is a "stack
 * overflow" error long before it fills memory.
 *
 * Exports: kiln_init() -> 0 | 3 (no memory); kiln_alloc(n) / kiln_free(p) / cabi_realloc for passing
 * source text; kiln_run(ptr, len) -> 0 ok | 1 runtime error | 2 syntax error | 3 out of memory (message on
 * stderr), initialising on first use.
 * Imports: WASI preview 1, and `call` from kiln:runtime/host@0.1.0 (see kiln_call below).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

#define EXPORT(name) __attribute__((export_name(name)))

static lua_State *L;

/*
 * io.write(...) and io.stdout:write(...) to stdout, io.stderr:write(...) to stderr; no files. The
 * two file objects are plain tables whose methods check `self`; write returns the file, as stock
 * Lua's does, so calls chain. flush and io.flush flush the C buffer. As stock liolib's g_write, a
 * number is written with LUA_INTEGER_FMT or LUA_NUMBER_FMT ("%.14g": 1.0 is "1"), not as tostring
 * writes it, and anything else must be a string.
 */
static int write_to(lua_State *s, FILE *f, int first) {
  for (int i = first; i <= lua_gettop(s); i++) {
    if (lua_type(s, i) == LUA_TNUMBER) {
      if (lua_isinteger(s, i)) fprintf(f, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(s, i));
      else fprintf(f, LUA_NUMBER_FMT, (LUAI_UACNUMBER)lua_tonumber(s, i));
      continue;
    }
    size_t n;
    const char *text = luaL_checklstring(s, i, &n);
    fwrite(text, 1, n, f);
  }
  return 0;
}

/* The file object (upvalue 1) must be the method's `self` (argument 1). */
static void check_self(lua_State *s) {
  if (!lua_rawequal(s, 1, lua_upvalueindex(1))) luaL_typeerror(s, 1, "file");
}

static int io_write(lua_State *s) {
  write_to(s, stdout, 1);
  lua_pushvalue(s, lua_upvalueindex(1));
  return 1;
}

static int stdout_write(lua_State *s) {
  check_self(s);
  write_to(s, stdout, 2);
  lua_settop(s, 1);
  return 1;
}

static int stderr_write(lua_State *s) {
  check_self(s);
  write_to(s, stderr, 2);
  lua_settop(s, 1);
  return 1;
}

static int stdout_flush(lua_State *s) {
  check_self(s);
  fflush(stdout);
  lua_settop(s, 1);
  return 1;
}

static int stderr_flush(lua_State *s) {
  check_self(s);
  fflush(stderr);
  lua_settop(s, 1);
  return 1;
}

static int io_flush(lua_State *s) {
  fflush(stdout);
  lua_pushvalue(s, lua_upvalueindex(1));
  return 1;
}

/* A file object: a table with `write` and `flush` closures over the table itself. */
static void push_file(lua_State *s, lua_CFunction write, lua_CFunction flush) {
  lua_createtable(s, 0, 2);
  lua_pushvalue(s, -1);
  lua_pushcclosure(s, write, 1);
  lua_setfield(s, -2, "write");
  lua_pushvalue(s, -1);
  lua_pushcclosure(s, flush, 1);
  lua_setfield(s, -2, "flush");
}

/*
 * os.time([table]). Without a table, the clock's time. With one, stock loslib's os_time under TZ=UTC
 * (Kiln's clock is UTC): the same fields, defaults (hour 12, min and sec 0; year, month and day
 * required), checks and messages, the fields normalised in place (month = 13 is January of the next
 * year; yday, wday and isdst = false are set), and the date converted as UTC with timegm. As glibc's
 * mktime does in a zone without daylight saving time, isdst = true means the fields are an hour ahead
 * of UTC: the result is an hour earlier. getfield, getboolfield, setfield and setallfields are stock.
 */
static int getfield(lua_State *s, const char *key, int d, int delta) {
  int isnum;
  int t = lua_getfield(s, -1, key);
  lua_Integer res = lua_tointegerx(s, -1, &isnum);
  if (!isnum) {
    if (t != LUA_TNIL) return luaL_error(s, "field '%s' is not an integer", key);
    else if (d < 0) return luaL_error(s, "field '%s' missing in date table", key);
    res = d;
  } else {
    if (!(res >= 0 ? (lua_Unsigned)res <= (lua_Unsigned)INT_MAX + delta : (lua_Integer)INT_MIN + delta <= res))
      return luaL_error(s, "field '%s' is out-of-bound", key);
    res -= delta;
  }
  lua_pop(s, 1);
  return (int)res;
}

static int getboolfield(lua_State *s, const char *key) {
  int res = (lua_getfield(s, -1, key) == LUA_TNIL) ? -1 : lua_toboolean(s, -1);
  lua_pop(s, 1);
  return res;
}

static void setfield(lua_State *s, const char *key, int value, int delta) {
  lua_pushinteger(s, (lua_Integer)value + delta);
  lua_setfield(s, -2, key);
}

static void setallfields(lua_State *s, struct tm *stm) {
  setfield(s, "year", stm->tm_year, 1900);
  setfield(s, "month", stm->tm_mon, 1);
  setfield(s, "day", stm->tm_mday, 0);
  setfield(s, "hour", stm->tm_hour, 0);
  setfield(s, "min", stm->tm_min, 0);
  setfield(s, "sec", stm->tm_sec, 0);
  setfield(s, "yday", stm->tm_yday, 1);
  setfield(s, "wday", stm->tm_wday, 1);
  if (stm->tm_isdst >= 0) {
    lua_pushboolean(s, stm->tm_isdst);
    lua_setfield(s, -2, "isdst");
  }
}

static int os_time(lua_State *s) {
  time_t t;
  if (lua_isnoneornil(s, 1)) {
    t = time(NULL);
  } else {
    struct tm ts;
    memset(&ts, 0, sizeof ts);
    luaL_checktype(s, 1, LUA_TTABLE);
    lua_settop(s, 1);
    ts.tm_year = getfield(s, "year", -1, 1900);
    ts.tm_mon = getfield(s, "month", -1, 1);
    ts.tm_mday = getfield(s, "day", -1, 0);
    ts.tm_hour = getfield(s, "hour", 12, 0);
    ts.tm_min = getfield(s, "min", 0, 0);
    ts.tm_sec = getfield(s, "sec", 0, 0);
    ts.tm_isdst = getboolfield(s, "isdst");
    int ahead = ts.tm_isdst > 0;
    errno = 0;
    t = timegm(&ts); /* normalises ts, with tm_isdst 0; leaves it as it was if the date is out of range */
    if (ahead && !(t == (time_t)-1 && errno != 0)) {
      t -= 3600;
      if (gmtime_r(&t, &ts) == NULL) t = (time_t)-1;
    }
    setallfields(s, &ts);
  }
  if (t != (time_t)(lua_Integer)t || t == (time_t)-1)
    return luaL_error(s, "time result cannot be represented in this installation");
  lua_pushinteger(s, (lua_Integer)t);
  return 1;
}

static int os_clock(lua_State *s) {
  lua_pushnumber(s, ((lua_Number)clock()) / (lua_Number)CLOCKS_PER_SEC);
  return 1;
}

/*
 * The host import `call: func(name: string, args: string) -> result<string, string>` of interface
 * kiln:runtime/host@0.1.0, lowered by the canonical ABI: the host writes the result record at `ret`
 * (u8 case at offset 0, 0 ok / 1 err; the string's pointer at 4 and length at 8), allocating the
 * string in this memory with cabi_realloc; the guest frees it. An empty string may come without an
 * allocation (jco passes pointer 1), so only a non-empty one is freed, as wit-bindgen does.
 */
struct host_result {
  uint8_t tag;
  char *ptr;
  size_t len;
};
_Static_assert(sizeof(size_t) == 4 && _Alignof(struct host_result) == 4, "wasm32 layout");
_Static_assert(__builtin_offsetof(struct host_result, ptr) == 4 && __builtin_offsetof(struct host_result, len) == 8,
               "canonical ABI layout of result<string, string>");

__attribute__((import_module("kiln:runtime/host@0.1.0"), import_name("call")))
extern void kiln_host_call(const char *name, size_t name_len, const char *args, size_t args_len, struct host_result *ret);

static int push_text(lua_State *s) {
  lua_pushlstring(s, (const char *)lua_touserdata(s, 1), (size_t)lua_tointeger(s, 2));
  return 1;
}

/* __kiln_call(name, args) -> true, result text | false, error text. */
static int kiln_call(lua_State *s) {
  size_t name_len, args_len;
  const char *name = luaL_checklstring(s, 1, &name_len);
  const char *args = luaL_checklstring(s, 2, &args_len);
  lua_settop(s, 2);
  struct host_result ret = {0, NULL, 0};
  kiln_host_call(name, name_len, args, args_len, &ret);
  /* Copy the text into a Lua string under a protected call, so a memory error cannot leak ret.ptr. */
  lua_pushcfunction(s, push_text);
  lua_pushlightuserdata(s, ret.ptr);
  lua_pushinteger(s, (lua_Integer)ret.len);
  int status = lua_pcall(s, 2, 1, 0);
  if (ret.len > 0) free(ret.ptr);
  if (status != LUA_OK) return lua_error(s);
  lua_pushboolean(s, ret.tag == 0);
  lua_insert(s, -2);
  return 2;
}

/*
 * __kiln_where() -> line, traceback, for a message handler (the function calling it, whose frames it
 * skips): the current line of the innermost frame of the chunk named "script" below the handler (nil if
 * none is among the 1000 innermost), and a standard traceback from the frame that raised the error on.
 * Kiln's wrapper captures it like __kiln_call and keeps only the script's frames.
 */
static int kiln_where(lua_State *s) {
  lua_Debug ar;
  lua_pushnil(s);
  for (int level = 2; level <= 1000 && lua_getstack(s, level, &ar); level++) {
    lua_getinfo(s, "Sl", &ar);
    if (ar.currentline > 0 && strcmp(ar.source, "=script") == 0) {
      lua_pushinteger(s, ar.currentline);
      break;
    }
  }
  luaL_traceback(s, s, NULL, 2);
  return 2;
}

static const luaL_Reg libs[] = {
  {LUA_GNAME, luaopen_base}, {LUA_COLIBNAME, luaopen_coroutine}, {LUA_TABLIBNAME, luaopen_table},
  {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math}, {LUA_UTF8LIBNAME, luaopen_utf8}, {NULL, NULL},
};

/*
 * Pops the library table on the top of the stack into global `name` and into the registry's loaded
 * table, as luaL_requiref does for the standard libraries: an argument error in a function called
 * without a name (e.g. by pcall) names it "os.time" or "io.write", as stock Lua does, instead of "?".
 */
static void register_library(lua_State *s, const char *name) {
  luaL_getsubtable(s, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_pushvalue(s, -2);
  lua_setfield(s, -2, name);
  lua_pop(s, 1);
  lua_setglobal(s, name);
}

static int setup(lua_State *s) {
  for (const luaL_Reg *lib = libs; lib->func; lib++) {
    luaL_requiref(s, lib->name, lib->func, 1);
    lua_pop(s, 1);
  }
  lua_pushnil(s);
  lua_setglobal(s, "dofile");
  lua_pushnil(s);
  lua_setglobal(s, "loadfile");
  lua_createtable(s, 0, 2);
  lua_pushcfunction(s, os_time);
  lua_setfield(s, -2, "time");
  lua_pushcfunction(s, os_clock);
  lua_setfield(s, -2, "clock");
  register_library(s, "os");
  lua_createtable(s, 0, 4);
  push_file(s, stdout_write, stdout_flush);
  lua_pushvalue(s, -1);
  lua_pushcclosure(s, io_write, 1);
  lua_setfield(s, -3, "write");
  lua_pushvalue(s, -1);
  lua_pushcclosure(s, io_flush, 1);
  lua_setfield(s, -3, "flush");
  lua_setfield(s, -2, "stdout");
  push_file(s, stderr_write, stderr_flush);
  lua_setfield(s, -2, "stderr");
  register_library(s, "io");
  lua_pushcfunction(s, kiln_call);
  lua_setglobal(s, "__kiln_call");
  lua_pushcfunction(s, kiln_where);
  lua_setglobal(s, "__kiln_where");
  return 0;
}

EXPORT("kiln_init") int kiln_init(void) {
  L = luaL_newstate();
  if (L == NULL) return 3;
  lua_pushcfunction(L, setup);
  return lua_pcall(L, 0, 0, 0) == LUA_OK ? 0 : 3;
}

EXPORT("kiln_alloc") void *kiln_alloc(size_t n) { return malloc(n ? n : 1); }

/*
 * The canonical ABI's allocator, so the module can be wrapped as a component. The host uses it to pass
 * `run`'s source and __kiln_call's results in, and does not check for NULL (jco would write at address
 * 0), so running out of memory here traps instead.
 */
EXPORT("cabi_realloc") void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  (void)old_size;
  (void)align;
  void *p = realloc(old, new_size ? new_size : 1);
  if (p == NULL) __builtin_trap();
  return p;
}

EXPORT("kiln_free") void kiln_free(void *p) { free(p); }

static int traceback(lua_State *s) {
  const char *msg = lua_tostring(s, 1);
  if (msg == NULL) msg = luaL_tolstring(s, 1, NULL);
  luaL_traceback(s, s, msg, 1);
  return 1;
}

static int fail(int code) {
  fprintf(stderr, "%s\n", lua_tostring(L, -1) ? lua_tostring(L, -1) : "(error object is not a string)");
  fflush(stderr);
  lua_settop(L, 0);
  return code;
}

EXPORT("kiln_run") int kiln_run(const char *src, size_t len) {
  if (L == NULL && kiln_init() != 0) return 3;
  lua_settop(L, 0);
  lua_pushcfunction(L, traceback);
  int status = luaL_loadbufferx(L, src, len, "=script", "t");
  if (status == LUA_ERRSYNTAX) return fail(2);
  if (status != LUA_OK) return fail(3);
  status = lua_pcall(L, 0, 0, 1);
  fflush(stdout);
  if (status == LUA_ERRMEM) return fail(3);
  if (status != LUA_OK) return fail(1);
  lua_settop(L, 0);
  return 0;
}

/*
 * The component entry, `run: func(source: string) -> result<string, string>` in the canonical ABI:
 * runs the chunk; ok carries the chunk's first result (a string, e.g. JSON), err carries
 * "<kind>:<message>" with kind syntax, runtime or memory. Returns a pointer to the result record.
 */
static struct {
  uint8_t tag;
  const char *ptr;
  size_t len;
} result_area;

static void *set_result(uint8_t tag, const char *text, size_t len) {
  char *copy = malloc(len ? len : 1);
  if (copy != NULL) memcpy(copy, text, len);
  result_area.tag = tag;
  result_area.ptr = copy;
  result_area.len = copy != NULL ? len : 0;
  return &result_area;
}

static void *error_result(const char *kind) {
  const char *msg = lua_tostring(L, -1);
  if (msg == NULL) msg = "(error object is not a string)";
  size_t kind_len = strlen(kind), msg_len = strlen(msg);
  char *text = malloc(kind_len + 1 + msg_len);
  if (text == NULL) return set_result(1, "memory:not enough memory", 24);
  memcpy(text, kind, kind_len);
  text[kind_len] = ':';
  memcpy(text + kind_len + 1, msg, msg_len);
  void *r = set_result(1, text, kind_len + 1 + msg_len);
  free(text);
  lua_settop(L, 0);
  return r;
}

EXPORT("run") void *run(const char *src, size_t len) {
  if (L == NULL && kiln_init() != 0) return set_result(1, "memory:not enough memory", 24);
  lua_settop(L, 0);
  int status = luaL_loadbufferx(L, src, len, "=kiln", "t");
  if (status == LUA_OK) status = lua_pcall(L, 0, 1, 0);
  fflush(stdout);
  fflush(stderr);
  if (status == LUA_ERRMEM) return error_result("memory");
  if (status == LUA_ERRSYNTAX) return error_result("syntax");
  if (status != LUA_OK) return error_result("runtime");
  size_t out_len = 0;
  const char *out = lua_tolstring(L, -1, &out_len);
  void *r = set_result(0, out ? out : "null", out ? out_len : 4);
  lua_settop(L, 0);
  return r;
}
