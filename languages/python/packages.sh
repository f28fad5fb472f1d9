#!/usr/bin/env bash
# Fetches the Debian packages pinned in packages.lock with `apt-get download`, checks them against their
# sha256, and unpacks them (dpkg-deb -x) into <dir>: <dir>/root/usr/lib/python3/dist-packages holds the
# modules and <dir>/root/usr/share/zoneinfo the time zone data that stdlib.py --packages adds to the zip.
# Used by build.sh and rebuild-snapshot.sh; needs apt (bookworm sources) and dpkg-deb. See RECIPE.md.
# Usage: packages.sh <empty dir>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$1"
mkdir -p "$out/debs" "$out/root"
specs=()
while read -r hash file; do
  [[ -z "$hash" || "$hash" == \#* ]] && continue
  IFS=_ read -r name version arch <<< "${file%.deb}"
  specs+=("$name:$arch=$version")
done < "$here/packages.lock"
# apt names an epoch "1%3a…" in file names; none of the pinned versions has one.
(cd "$out/debs" && apt-get download "${specs[@]}" > download.log 2>&1) || { cat "$out/debs/download.log" >&2; exit 1; }
(cd "$out/debs" && grep -v '^#' "$here/packages.lock" | sha256sum -c --quiet -) \
  || { echo "packages.sh: a downloaded .deb does not match packages.lock" >&2; exit 1; }
for deb in "$out"/debs/*.deb; do dpkg-deb -x "$deb" "$out/root"; done
