#!/usr/bin/env bash
# Rebuilds python311.zip.gz and python.wasm.gz after an edit of kiln_runner.py (by hand, or by `npm run wit:generate`
# after a change in wit/: Python's kiln functions are its generated part), from the committed artifacts,
# without CPython's sources or a wasm toolchain: kiln_runner.pyc is compiled again into the committed zip
# (every other entry keeps its bytes), and the Wizer step of build.sh runs again, exactly as there, on the
# committed python-cold.wasm.gz (which does not change). Then verify.mjs, gzip -n -9 and SHA256SUMS.
# The Debian packages of packages.lock are fetched again (packages.sh) and their entries made again, so the
# zip is what build.sh would write; a change of packages.lock or of stdlib.py's PACKAGES needs only this.
# Needs python3.11 (any 3.11.x: the .pyc magic is 3495 for all of them), gzip 1.12, node and `npm ci`
# (for Wizer), and apt with bookworm's sources for packages.sh. An edit of kiln_python.c or of the standard library needs build.sh. See RECIPE.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
WIZER_VERSION="7.0.5"
GZIP_VERSION="1.12" # the .gz bytes depend on gzip's version
export TZ=UTC LC_ALL=C.UTF-8
unset PYTHONPATH PYTHONHOME PYTHONSTARTUP PYTHONSAFEPATH
umask 022

wizer="$repo/node_modules/@bytecodealliance/wizer-linux-x64/wizer"
[ -x "$wizer" ] || { echo "rebuild-snapshot.sh: no $wizer: run npm ci first" >&2; exit 1; }
[ "$("$wizer" --version)" = "wizer $WIZER_VERSION" ] || { echo "rebuild-snapshot.sh: need wizer $WIZER_VERSION" >&2; exit 1; }
[ "$(gzip --version | head -1)" = "gzip $GZIP_VERSION" ] || { echo "rebuild-snapshot.sh: need gzip $GZIP_VERSION" >&2; exit 1; }
python="${PYTHON:-python3.11}"
[ "$("$python" -I -c 'import sys; print(*sys.version_info[:2], sep=".")')" = 3.11 ] || { echo "rebuild-snapshot.sh: $python is not Python 3.11" >&2; exit 1; }
command -v node >/dev/null || { echo "rebuild-snapshot.sh: node is needed to check the result" >&2; exit 1; }

# The cold module is an input here: it must be the committed one.
(cd "$here" && grep ' python-cold.wasm.gz$' SHA256SUMS | sha256sum -c --quiet -) \
  || { echo "rebuild-snapshot.sh: python-cold.wasm.gz does not match SHA256SUMS" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/kiln"
gzip -d -c "$here/python-cold.wasm.gz" > "$work/python-cold.wasm"
gzip -d -c "$here/python311.zip.gz" > "$work/old.zip"
"$here/packages.sh" "$work/packages"
"$python" -I "$here/stdlib.py" --packages "$work/packages/root" --replace "$work/old.zip" "$work/kiln/python311.zip" "$here/kiln_runner.py"

# build.sh's Wizer step, unchanged.
"$wizer" "$work/python-cold.wasm" -o "$work/python.wasm" -f kiln_init -r _initialize=kiln_noop \
  --allow-wasi --inherit-env false --mapdir "/kiln::$work/kiln" < /dev/null > "$work/wizer.log" 2>&1 \
  || { cat "$work/wizer.log"; exit 1; }
node --no-warnings "$here/verify.mjs" "$work/python.wasm" "$work/kiln"

gzip -n -9 -c "$work/python.wasm" > "$here/python.wasm.gz"
gzip -n -9 -c "$work/kiln/python311.zip" > "$here/python311.zip.gz"
(cd "$here" && sha256sum python.wasm.gz python311.zip.gz python-cold.wasm.gz > SHA256SUMS)
echo "python.wasm $(wc -c < "$work/python.wasm") bytes $(sha256sum "$work/python.wasm" | cut -d' ' -f1)"
echo "python311.zip $(wc -c < "$work/kiln/python311.zip") bytes $(sha256sum "$work/kiln/python311.zip" | cut -d' ' -f1)"
cat "$here/SHA256SUMS"
