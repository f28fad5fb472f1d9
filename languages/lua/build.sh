#!/usr/bin/env bash
# Builds languages/lua/lua.wasm (a wasm32-wasi reactor) from Debian bookworm's Lua 5.4 source package
# with Debian's clang-19, lld-19, wasi-libc and libclang-rt-19-dev-wasm32. Run as root on Debian 12;
# it adds a deb-src entry for the download and removes it again. Writes lua.wasm and lua.wasm.sha256.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
LUA_DEB_VERSION="5.4.4-3+deb12u1"
CLANG_DEB_VERSION="1:19.1.7-3~deb12u1"
WASI_LIBC_DEB_VERSION="0.0~git20220510.9886d3d-2"

apt-get install -y --no-install-recommends patch "clang-19=$CLANG_DEB_VERSION" "lld-19=$CLANG_DEB_VERSION" \
  "libclang-rt-19-dev-wasm32=$CLANG_DEB_VERSION" "wasi-libc=$WASI_LIBC_DEB_VERSION" >/dev/null

work="$(mktemp -d)"
trap 'rm -rf "$work"; rm -f /etc/apt/sources.list.d/kiln-deb-src.sources' EXIT
cat > /etc/apt/sources.list.d/kiln-deb-src.sources <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt-get update -qq
(cd "$work" && apt-get source --download-only "lua5.4=$LUA_DEB_VERSION" >/dev/null 2>&1)
tar -xzf "$work"/lua5.4_5.4.4.orig.tar.gz -C "$work"
# Debian's two patches to Lua itself, as the reference `lua5.4` package has them: the upstream fixes for
# CVE-2022-28805 (wrong code when _ENV is <const>) and CVE-2022-33099 (stack overflow while handling an error).
# The series' other patches are packaging (Makefiles, module paths with a multiarch header, extern "C").
tar -xJf "$work"/lua5.4_$LUA_DEB_VERSION.debian.tar.xz -C "$work"
for p in 0004-cve-2022-28805.patch 0005-cve-2022-33099.patch; do
  grep -qx "$p" "$work/debian/patches/series"
  patch -s -p1 -d "$work/lua-5.4.4" < "$work/debian/patches/$p"
done
grep -q 'luaK_exp2anyregup(fs, var);  /\* but could be a constant \*/' "$work/lua-5.4.4/src/lparser.c"
src="$work/lua-5.4.4/src"
# Lua's stack limit, lowered from 1,000,000 slots (16 MB, and twice that while it is reallocated on overflow)
# so that deep recursion ends in Lua's catchable "stack overflow" error well below the smallest memory cap.
LUAI_MAXSTACK="${LUAI_MAXSTACK_OVERRIDE:-100000}"
sed -i "s/^#define LUAI_MAXSTACK\t\t1000000\$/#define LUAI_MAXSTACK\t\t$LUAI_MAXSTACK/" "$src/luaconf.h"
grep -q "^#define LUAI_MAXSTACK.*[^0-9]$LUAI_MAXSTACK\$" "$src/luaconf.h"
# No bytecode: the one place a binary chunk is loaded checks the mode "t" instead of the caller's, so every load
# (load() with any mode, luaL_loadbufferx) refuses one with "attempt to load a binary chunk (mode is 't')", and
# load() keeps stock behaviour otherwise (mode "b" refuses a text chunk as stock does).
sed -i 's/^    checkmode(L, p->mode, "binary");$/    checkmode(L, "t", "binary");/' "$src/ldo.c"
grep -q '^    checkmode(L, "t", "binary");$' "$src/ldo.c"

# A clean sysroot: --sysroot=/usr would leak the host's headers into the wasm build.
sysroot="$work/sysroot"
mkdir -p "$sysroot/include" "$sysroot/lib"
ln -s /usr/include/wasm32-wasi "$sysroot/include/wasm32-wasi"
ln -s /usr/lib/wasm32-wasi "$sysroot/lib/wasm32-wasi"
CC=(clang-19 --target=wasm32-wasi "--sysroot=$sysroot")
CFLAGS=(-O2 -w -I"$here/shim" -I"$src" -DLUA_COMPAT_5_3 -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS -mllvm -wasm-enable-sjlj -ffile-prefix-map="$work"=/build)

objs=()
for f in lapi lcode lctype ldebug ldo ldump lfunc lgc llex lmem lobject lopcodes lparser lstate lstring ltable \
         ltm lundump lvm lzio lauxlib lbaselib lcorolib lmathlib lstrlib ltablib lutf8lib; do
  "${CC[@]}" "${CFLAGS[@]}" -c "$src/$f.c" -o "$work/$f.o"
  objs+=("$work/$f.o")
done
"${CC[@]}" "${CFLAGS[@]}" -c "$here/shim/wasm_sjlj_rt.c" -o "$work/sjlj.o"
"${CC[@]}" "${CFLAGS[@]}" -c "$here/kiln_lua.c" -o "$work/kiln_lua.o"
"${CC[@]}" -O2 -mexec-model=reactor "${objs[@]}" "$work/sjlj.o" "$work/kiln_lua.o" -o "$here/lua.wasm" \
  -lwasi-emulated-signal -lwasi-emulated-process-clocks -Wl,-z,stack-size=1048576 -Wl,--max-memory=268435456 -Wl,--strip-all

(cd "$here" && sha256sum lua.wasm > lua.wasm.sha256)
echo "built $here/lua.wasm: $(wc -c < "$here/lua.wasm") bytes, $(cut -d' ' -f1 "$here/lua.wasm.sha256")"
