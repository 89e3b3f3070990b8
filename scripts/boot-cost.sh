#!/usr/bin/env bash
# Boot cost: wall time of booting the app in QEMU (TCG, 8 GiB) next to a minimal app that
# only prints and exits, in the same run; median of three boots each. The app's own
# touch-ram check (a read of every RAM page) is reported apart, since it grows with RAM.
set -uo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory build/BOOTX64.EFI efi-minimal >/dev/null || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
boot_ms() { # prints the wall time of one boot in milliseconds
    local start end
    start=$(date +%s%N)
    bash scripts/qemu-run.sh --efi "$1" --mem 8G --cpu max --quiet --log "$log" >/dev/null 2>&1 ||
        echo "boot of $1 failed" >&2
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
}
touch_ms() { # the touch-ram check's own time, from the app's report
    grep -a 'check touch-ram' "$log" | sed -n 's/.*\[\([0-9]*\) us\].*/\1/p' | awk '{ print int($1 / 1000) }'
}
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
app=() minimal=() touch=()
for i in 1 2 3; do
    minimal+=("$(boot_ms build/minimal.efi)")
    app+=("$(boot_ms build/BOOTX64.EFI)")
    touch+=("$(touch_ms)")
done
m=$(median3 "${minimal[@]}")
a=$(median3 "${app[@]}")
t=$(median3 "${touch[@]}")
awk -v m="$m" -v a="$a" -v t="$t" 'BEGIN {
    printf "bench %-40s %14.3f s\n", "boot.minimal_app_8G", m / 1000
    printf "bench %-40s %14.3f s\n", "boot.pagetk_8G", a / 1000
    printf "bench %-40s %14.3f s\n", "boot.difference", (a - m) / 1000
    printf "bench %-40s %14.3f s\n", "boot.touch_ram_check", t / 1000
    printf "bench %-40s %14.3f s\n", "boot.difference_without_touch_ram", (a - m - t) / 1000
}'
