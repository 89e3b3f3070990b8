#!/usr/bin/env bash
# Boot cost: wall time of booting the app in QEMU (TCG, 8 GiB) next to a minimal app that
# only prints and exits, in the same run; median of three boots each.
set -uo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory build/BOOTX64.EFI efi-minimal >/dev/null || exit 1
boot_ms() { # prints the wall time of one boot in milliseconds
    local start end
    start=$(date +%s%N)
    bash scripts/qemu-run.sh --efi "$1" --mem 8G --cpu max --quiet >/dev/null 2>&1 || echo "boot of $1 failed" >&2
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
}
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
app=() minimal=()
for i in 1 2 3; do
    minimal+=("$(boot_ms build/minimal.efi)")
    app+=("$(boot_ms build/BOOTX64.EFI)")
done
m=$(median3 "${minimal[@]}")
a=$(median3 "${app[@]}")
awk -v m="$m" -v a="$a" 'BEGIN {
    printf "bench %-40s %14.3f s\n", "boot.minimal_app_8G", m / 1000
    printf "bench %-40s %14.3f s\n", "boot.pagetk_8G", a / 1000
    printf "bench %-40s %14.3f s\n", "boot.difference", (a - m) / 1000
}'
