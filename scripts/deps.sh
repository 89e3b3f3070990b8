#!/usr/bin/env bash
# Makes sure the Debian packages the build and the boots need are present: installs the
# missing ones when running as root with apt, else prints the exact command and fails.
set -euo pipefail
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for pkg in "$@"; do
    have_pkg "$pkg" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
cmd="apt-get install -y ${need[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "deps: installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $cmd >/dev/null
else
    echo "deps: missing packages; run: sudo apt-get update && sudo $cmd" >&2
    exit 1
fi
