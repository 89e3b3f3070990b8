#!/usr/bin/env bash
# Boot cost: wall time of booting the app in QEMU (TCG, 8 GiB) next to a minimal app that
# only prints and exits, in the same run, alternating; median of five boots each. The
# app's touch-ram check (both ends of every RAM leaf) is shown apart, and one more boot
# with touch=all (a read of every RAM page, whose cost under TCG depends on whether the
# host backs guest RAM with huge pages) shows what the full sweep adds.
set -uo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory build/BOOTX64.EFI efi-minimal >/dev/null || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
boot_ms() { # prints the wall time of one boot in milliseconds; $2 is pagetk.cfg's words
    local start end
    start=$(date +%s%N)
    bash scripts/qemu-run.sh --efi "$1" --mem 8G --cpu max --quiet --log "$log" ${2:+--cfg "$2"} >/dev/null 2>&1 ||
        echo "boot of $1 failed" >&2
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
}
touch_ms() { # the touch-ram check's own time, from the app's report
    grep -a 'check touch-ram' "$log" | sed -n 's/.*\[\([0-9]*\) us\].*/\1/p' | awk '{ print int($1 / 1000) }'
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
app=() minimal=() touch=()
for i in 1 2 3 4 5; do
    minimal+=("$(boot_ms build/minimal.efi)")
    app+=("$(boot_ms build/BOOTX64.EFI)")
    touch+=("$(touch_ms)")
done
m=$(median "${minimal[@]}")
a=$(median "${app[@]}")
t=$(median "${touch[@]}")
all=$(boot_ms build/BOOTX64.EFI touch=all)
all_touch=$(touch_ms)
awk -v m="$m" -v a="$a" -v t="$t" -v all="$all" -v all_touch="$all_touch" 'BEGIN {
    printf "bench %-40s %14.3f s\n", "boot.minimal_app_8G", m / 1000
    printf "bench %-40s %14.3f s\n", "boot.pagetk_8G", a / 1000
    printf "bench %-40s %14.3f s\n", "boot.difference", (a - m) / 1000
    printf "bench %-40s %14.3f s\n", "boot.touch_ram_check", t / 1000
    printf "bench %-40s %14.3f s\n", "boot.difference_without_touch_ram", (a - m - t) / 1000
    printf "bench %-40s %14.3f s\n", "boot.pagetk_8G_touch_all_once", all / 1000
    printf "bench %-40s %14.3f s\n", "boot.touch_all_check_once", all_touch / 1000
}'
