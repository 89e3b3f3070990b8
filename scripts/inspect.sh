#!/usr/bin/env bash
# `make inspect`: QEMU's own MMU as a witness. Boots the app with the option `inspect` in two
# configurations (both at once), lets QEMU's monitor walk the live tables (info mem, info tlb)
# while the app sits halted on them, and compares that walk with the app's dump
# (build/inspect-compare). Logs stay in build/inspect/. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
configs=("qemu64 1G" "max 2G") # -cpu, --mem
dir=build/inspect
passed=0 failed=0
fail() { # message
    echo "FAIL inspect/$1"
    failed=$((failed + 1))
}

mkdir -p "$dir"
rm -f "$dir"/*.log "$dir"/*.status
if ! make --no-print-directory build/BOOTX64.EFI build/inspect-compare >"$dir/build.log" 2>&1; then
    cat "$dir/build.log"
    fail "build: make build/BOOTX64.EFI build/inspect-compare failed"
    echo "$passed passed, $failed failed"
    exit 1
fi
printf 'info mem\ninfo tlb\n' >"$dir/monitor.cmds"

start=$(date +%s)
for c in "${configs[@]}"; do
    read -r cpu mem <<<"$c"
    (
        bash scripts/qemu-run.sh --mem "$mem" --cpu "$cpu" --cfg inspect \
            --monitor "$dir/monitor.cmds" --monitor-log "$dir/$cpu.monitor.log" \
            --log "$dir/$cpu.serial.log" --quiet 2>"$dir/$cpu.qemu-run.log"
        echo $? >"$dir/$cpu.status"
    ) &
done
wait
echo "inspect: booted ${#configs[@]} configurations in $(($(date +%s) - start)) s"

for c in "${configs[@]}"; do
    read -r cpu mem <<<"$c"
    status=$(cat "$dir/$cpu.status" 2>/dev/null || echo "?")
    echo "== $cpu (-cpu $cpu, $mem): serial $dir/$cpu.serial.log, monitor $dir/$cpu.monitor.log"
    if [ "$status" != 0 ]; then
        sed 's/^/  /' "$dir/$cpu.qemu-run.log"
        result=$(grep -a -o 'RESULT: [A-Z]*' "$dir/$cpu.serial.log" 2>/dev/null | tail -1)
        fail "$cpu/boot: qemu-run exit $status, ${result:-no RESULT line} (serial log $dir/$cpu.serial.log)"
        # Tables that were live and halted can still be compared.
        grep -aq "inspect: halted" "$dir/$cpu.serial.log" 2>/dev/null || continue
    fi
    ./build/inspect-compare "$dir/$cpu.serial.log" "$dir/$cpu.monitor.log" >"$dir/$cpu.compare.log" 2>&1
    rc=$?
    sed -e "s#^PASS inspect/#PASS inspect/$cpu/#" -e "s#^FAIL inspect/#FAIL inspect/$cpu/#" \
        "$dir/$cpu.compare.log"
    p=$(grep -c '^PASS inspect/' "$dir/$cpu.compare.log")
    f=$(grep -c '^FAIL inspect/' "$dir/$cpu.compare.log")
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        fail "$cpu/compare: inspect-compare exit $rc"
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
