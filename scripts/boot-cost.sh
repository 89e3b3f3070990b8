#!/usr/bin/env bash
# Boot cost: wall time of booting the app in QEMU (TCG, 8 GiB) next to a minimal app that
# only prints and exits, in the same run. OVMF's own boot varies by several hundred ms from
# one boot to the next, so the boots alternate and the cost is the median of the paired
# differences (BOOT_PAIRS pairs, default 9); the app's own time from entry to verdict, by
# its TSC, is shown beside it. The touch-ram check (both ends of every RAM leaf) is shown
# apart, and one more boot with touch=all (a read of every RAM page, whose cost under TCG
# depends on whether the host backs guest RAM with huge pages) shows what a full sweep adds.
set -uo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory build/BOOTX64.EFI efi-minimal >/dev/null || exit 1
pairs=${BOOT_PAIRS:-9}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
boot_ms() { # prints the wall time of one boot in milliseconds; $2 is pagetk.cfg's words
    local start end
    start=$(date +%s%N)
    bash scripts/qemu-run.sh --efi "$1" --mem 8G --cpu max --quiet --log "$log" ${2:+--cfg "$2"} \
        >/dev/null 2>&1 || echo "boot of $1 failed" >&2
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
}
touch_ms() { # the touch-ram check's own time, from the app's report
    grep -a 'check touch-ram' "$log" | sed -n 's/.*\[\([0-9]*\) us\].*/\1/p' | awk '{ print int($1 / 1000) }'
}
app_ms() { # the app's time from entry to verdict, from its RESULT line
    grep -a 'RESULT:' "$log" | sed -n 's/.*(\([0-9]*\) ms in the app).*/\1/p'
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
app=() minimal=() diff=() touch=() inside=()
for _ in $(seq "$pairs"); do
    m=$(boot_ms build/minimal.efi)
    a=$(boot_ms build/BOOTX64.EFI)
    minimal+=("$m") app+=("$a") diff+=($((a - m)))
    touch+=("$(touch_ms)") inside+=("$(app_ms)")
done
all=$(boot_ms build/BOOTX64.EFI touch=all)
all_touch=$(touch_ms)
awk -v m="$(median "${minimal[@]}")" -v a="$(median "${app[@]}")" -v d="$(median "${diff[@]}")" \
    -v lo="$(printf '%s\n' "${diff[@]}" | sort -n | head -1)" \
    -v hi="$(printf '%s\n' "${diff[@]}" | sort -n | tail -1)" -v n="$pairs" \
    -v t="$(median "${touch[@]}")" -v in_app="$(median "${inside[@]}")" \
    -v all="$all" -v all_touch="$all_touch" 'BEGIN {
    printf "bench %-40s %14.3f s\n", "boot.minimal_app_8G", m / 1000
    printf "bench %-40s %14.3f s\n", "boot.pagetk_8G", a / 1000
    printf "bench %-40s %14.3f s\n", "boot.difference", d / 1000
    printf "bench %-40s %14.3f s\n", "boot.difference_lowest", lo / 1000
    printf "bench %-40s %14.3f s\n", "boot.difference_highest", hi / 1000
    printf "bench %-40s %14d pairs\n", "boot.pairs", n
    printf "bench %-40s %14.3f s\n", "boot.pagetk_time_in_guest", in_app / 1000
    printf "bench %-40s %14.3f s\n", "boot.touch_ram_check", t / 1000
    printf "bench %-40s %14.3f s\n", "boot.pagetk_8G_touch_all_once", all / 1000
    printf "bench %-40s %14.3f s\n", "boot.touch_all_check_once", all_touch / 1000
}'
