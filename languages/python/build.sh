#!/usr/bin/env bash
# Builds languages/python/python.wasm.gz (CPython 3.11.2 for wasm32-wasi as a reactor with kiln_python.c,
# pre-initialised by Wizer) and python311.zip.gz (its standard library as .pyc files), plus SHA256SUMS,
# from Debian bookworm packages only (and the Wizer binary from npm), with the pure-Python packages of
# packages.lock added to the zip. Run as root on Debian 12 after
# `npm ci`: it adds a deb-src entry for the download and removes it again. See RECIPE.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
PYTHON_DEB_VERSION="3.11.2-6+deb12u8" # the source package, and the native build python (same version)
ZLIB_DEB_VERSION="1:1.2.13.dfsg-1"
CLANG_DEB_VERSION="1:19.1.7-3~deb12u1"
WASI_LIBC_DEB_VERSION="0.0~git20220510.9886d3d-2"
PKGCONF_DEB_VERSION="1.8.1-1"
GZIP_DEB_VERSION="1.12-1" # the .gz bytes depend on gzip's version
WIZER_VERSION="7.0.5"
STACK_SIZE=2097152        # the C (shadow) stack at the bottom of memory; overflow traps (--stack-first)
MAX_MEMORY=536870912      # 512 MiB; the engine patches its own cap in
export SOURCE_DATE_EPOCH=1675814400 # 2023-02-08, CPython 3.11.2's release: sys.version's build date
export TZ=UTC LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin
unset PYTHONPATH PYTHONHOME PYTHONSTARTUP PYTHONSAFEPATH CFLAGS LDFLAGS CPPFLAGS
umask 022

wizer="$repo/node_modules/@bytecodealliance/wizer-linux-x64/wizer"
[ -x "$wizer" ] || { echo "build.sh: no $wizer: run npm ci first" >&2; exit 1; }
[ "$("$wizer" --version)" = "wizer $WIZER_VERSION" ] || { echo "build.sh: need wizer $WIZER_VERSION" >&2; exit 1; }
command -v node >/dev/null || { echo "build.sh: node is needed to check the result" >&2; exit 1; }

apt-get install -y --no-install-recommends "clang-19=$CLANG_DEB_VERSION" "lld-19=$CLANG_DEB_VERSION" \
  "llvm-19=$CLANG_DEB_VERSION" "libclang-rt-19-dev-wasm32=$CLANG_DEB_VERSION" \
  "wasi-libc=$WASI_LIBC_DEB_VERSION" "pkg-config=$PKGCONF_DEB_VERSION" "gzip=$GZIP_DEB_VERSION" bzip2 >/dev/null

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
(cd "$work" && apt-get source --download-only "python3.11=$PYTHON_DEB_VERSION" "zlib=$ZLIB_DEB_VERSION" >/dev/null 2>&1)
# The build python is Debian's own python3.11 of the same version, unpacked here rather than installed,
# so the host's python3.11 is left alone and the frozen modules and .pyc files do not depend on it.
mkdir "$work/debs"
(cd "$work/debs" && apt-get download "python3.11-minimal=$PYTHON_DEB_VERSION" \
  "libpython3.11-minimal=$PYTHON_DEB_VERSION" "libpython3.11-stdlib=$PYTHON_DEB_VERSION" >/dev/null 2>&1)
rm -f /etc/apt/sources.list.d/kiln-deb-src.sources
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/buildpy"; done
bp="$work/buildpy/usr/bin/python3.11"
[ "$("$bp" -I -c 'import sys; print(sys.version.split()[0])')" = 3.11.2 ] || { echo "build.sh: bad build python" >&2; exit 1; }
tar -xzf "$work"/python3.11_3.11.2.orig.tar.gz -C "$work"
tar -xjf "$work"/zlib_1.2.13.dfsg.orig.tar.bz2 -C "$work"

# A clean sysroot: --sysroot=/usr would leak the host's headers into the wasm build.
sysroot="$work/sysroot"
mkdir -p "$sysroot/include" "$sysroot/lib"
ln -s /usr/include/wasm32-wasi "$sysroot/include/wasm32-wasi"
ln -s /usr/lib/wasm32-wasi "$sysroot/lib/wasm32-wasi"
CC="clang-19 --target=wasm32-wasi --sysroot=$sysroot"
# No reference types (LLVM 19's default): Wizer 7 cannot read the call_indirect encoding they bring.
WASM_CFLAGS="-mno-reference-types -ffile-prefix-map=$work=/build"

# zlib, for the zlib module (zipimport does not need it: the stdlib zip is stored). Not the gz* file API.
deps="$work/deps"
mkdir -p "$deps/lib/pkgconfig" "$deps/include" "$work/zlib-obj"
for f in adler32 compress crc32 deflate infback inffast inflate inftrees trees uncompr zutil; do
  $CC -O2 -w $WASM_CFLAGS -c "$work/zlib-1.2.13.dfsg/$f.c" -o "$work/zlib-obj/$f.o"
done
llvm-ar-19 rcsD "$deps/lib/libz.a" "$work"/zlib-obj/*.o
cp "$work/zlib-1.2.13.dfsg/zlib.h" "$work/zlib-1.2.13.dfsg/zconf.h" "$deps/include/"
cat > "$deps/lib/pkgconfig/zlib.pc" <<PC
prefix=$deps
Name: zlib
Description: zlib for wasm32-wasi
Version: 1.2.13
Libs: -L\${prefix}/lib -lz
Cflags: -I\${prefix}/include
PC

# CPython, cross-built as in its Tools/wasm/README.md, with Debian's clang instead of wasi-sdk. configure
# runs by a relative path so no absolute source path ends up in the binary (getpath's VPATH).
mkdir "$work/cpython"
(
  cd "$work/cpython"
  export CC CPP="$CC -E" CXX="clang++-19 --target=wasm32-wasi --sysroot=$sysroot" LDSHARED=wasm-ld-19 \
    AR=llvm-ar-19 RANLIB=llvm-ranlib-19 CFLAGS="$WASM_CFLAGS" \
    PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$deps/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR=
  CONFIG_SITE=../Python-3.11.2/Tools/wasm/config.site-wasm32-wasi ../Python-3.11.2/configure -C \
    --host=wasm32-unknown-wasi --build="$(../Python-3.11.2/config.guess)" --with-build-python="$bp" \
    --disable-test-modules > configure.log 2>&1 || { tail -40 configure.log; exit 1; }
  # wasi-libc's clockid_t is a pointer, which clang >= 15 makes an error in 3.11.2's timemodule.c.
  make -j"$(nproc)" EXTRA_CFLAGS=-Wno-error=int-conversion > make.log 2>&1 || { tail -40 make.log; exit 1; }
)

# The reactor: libpython plus kiln_python.c instead of python.c's main.
py="$work/cpython"
$CC -O2 $WASM_CFLAGS -I"$py" -I"$work/Python-3.11.2/Include" -c "$here/kiln_python.c" -o "$work/kiln_python.o"
$CC -mexec-model=reactor -Wl,-z,stack-size=$STACK_SIZE -Wl,--stack-first -Wl,--max-memory=$MAX_MEMORY \
  "$work/kiln_python.o" "$py/libpython3.11.a" "$py/Modules/_decimal/libmpdec/libmpdec.a" \
  "$py/Modules/expat/libexpat.a" -L"$deps/lib" -lz -lwasi-emulated-signal -lwasi-emulated-getpid \
  -lwasi-emulated-process-clocks -lm -Wl,--strip-all -o "$work/python-cold.wasm"

# The standard library, compiled by the build python (the same 3.11.2: same .pyc magic), plus the build's
# sysconfig data (which names this temporary directory: it becomes /build) and Kiln's runner module.
mkdir "$work/kiln" "$work/sysconfig"
sed "s|$work|/build|g" "$py/build/lib.wasi-wasm32-3.11/_sysconfigdata__wasi_wasm32-wasi.py" \
  > "$work/sysconfig/_sysconfigdata__wasi_wasm32-wasi.py"
# Then the pure-Python Debian packages of packages.lock, beside the standard library (packages.sh).
"$here/packages.sh" "$work/packages"
"$bp" -I "$here/stdlib.py" --packages "$work/packages/root" "$work/Python-3.11.2/Lib" "$work/kiln/python311.zip" \
  "$work/sysconfig/_sysconfigdata__wasi_wasm32-wasi.py" "$here/kiln_runner.py"

# The snapshot: kiln_init runs under Wizer with /kiln (holding only python311.zip) as the one preopen,
# no environment, stdin from /dev/null; `_initialize` becomes the no-op kiln_noop, kiln_init goes.
"$wizer" "$work/python-cold.wasm" -o "$work/python.wasm" -f kiln_init -r _initialize=kiln_noop \
  --allow-wasi --inherit-env false --mapdir "/kiln::$work/kiln" < /dev/null > "$work/wizer.log" 2>&1 \
  || { cat "$work/wizer.log"; exit 1; }
node --no-warnings "$here/verify.mjs" "$work/python.wasm" "$work/kiln"

if [ -n "${KILN_PYTHON_KEEP:-}" ]; then # dev only: keep the unsnapshotted module and the raw artifacts
  mkdir -p "$KILN_PYTHON_KEEP"
  cp "$work/python-cold.wasm" "$work/python.wasm" "$work/kiln/python311.zip" "$KILN_PYTHON_KEEP/"
fi
gzip -n -9 -c "$work/python.wasm" > "$here/python.wasm.gz"
# The module before Wizer, for `npm run bench` only (cold start against the snapshot); never served.
gzip -n -9 -c "$work/python-cold.wasm" > "$here/python-cold.wasm.gz"
gzip -n -9 -c "$work/kiln/python311.zip" > "$here/python311.zip.gz"
(cd "$here" && sha256sum python.wasm.gz python311.zip.gz python-cold.wasm.gz > SHA256SUMS)
echo "python.wasm $(wc -c < "$work/python.wasm") bytes $(sha256sum "$work/python.wasm" | cut -d' ' -f1)"
echo "python311.zip $(wc -c < "$work/kiln/python311.zip") bytes $(sha256sum "$work/kiln/python311.zip" | cut -d' ' -f1)"
cat "$here/SHA256SUMS"
