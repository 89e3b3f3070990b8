#!/usr/bin/env bash
# `make inspect`: QEMU's own MMU as a witness. Boots the app with the option `inspect` in three
# configurations (two at once: the third is the five-level persona build, which enters LA57
# itself and halts on its five-level tables; the fourth is BOOTIA32.EFI under 32-bit OVMF,
# halted in the long mode it entered itself), lets QEMU's monitor walk the live tables (info mem, info tlb)
# while the app sits halted on them, and compares that walk with the app's dump
# (build/inspect-compare). Logs stay in build/inspect/. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
# -cpu, --mem, firmware, name, and the build to boot when not the firmware's default
configs=("qemu64 1G ovmf qemu64" "max 2G ovmf max" "max 2G ovmf la57 build/pagetk-la57.efi"
    "max 2G ia32 ia32-max")
dir=build/inspect
passed=0 failed=0
fail() { # message
    echo "FAIL inspect/$1"
    failed=$((failed + 1))
}

mkdir -p "$dir"
rm -f "$dir"/*.log "$dir"/*.status
if ! make --no-print-directory build/BOOTX64.EFI build/BOOTIA32.EFI build/inspect-compare efi-la57 >"$dir/build.log" 2>&1; then
    cat "$dir/build.log"
    fail "build: make build/BOOTX64.EFI build/BOOTIA32.EFI build/inspect-compare efi-la57 failed"
    echo "$passed passed, $failed failed"
    exit 1
fi
printf 'info mem\ninfo tlb\n' >"$dir/monitor.cmds"

start=$(date +%s)
n=0
for c in "${configs[@]}"; do
    read -r cpu mem firmware name efi <<<"$c"
    (
        bash scripts/qemu-run.sh --firmware "$firmware" ${efi:+--efi "$efi"} --mem "$mem" --cpu "$cpu" --cfg inspect \
            --monitor "$dir/monitor.cmds" --monitor-log "$dir/$name.monitor.log" \
            --log "$dir/$name.serial.log" --quiet 2>"$dir/$name.qemu-run.log"
        echo $? >"$dir/$name.status"
    ) &
    n=$((n + 1))
    [ $((n % 2)) = 1 ] || wait # two boots at a time: TCG takes a core each
done
wait
echo "inspect: booted ${#configs[@]} configurations in $(($(date +%s) - start)) s"

for c in "${configs[@]}"; do
    read -r cpu mem firmware name efi <<<"$c"
    status=$(cat "$dir/$name.status" 2>/dev/null || echo "?")
    echo "== $name (-cpu $cpu, $mem, $firmware${efi:+, $efi}): serial $dir/$name.serial.log, monitor $dir/$name.monitor.log"
    if [ "$status" != 0 ]; then
        sed 's/^/  /' "$dir/$name.qemu-run.log"
        result=$(grep -a -o 'RESULT: [A-Z]*' "$dir/$name.serial.log" 2>/dev/null | tail -1)
        fail "$name/boot: qemu-run exit $status, ${result:-no RESULT line} (serial log $dir/$name.serial.log)"
        # Tables that were live and halted can still be compared.
        grep -aq "inspect: halted" "$dir/$name.serial.log" 2>/dev/null || continue
    fi
    ./build/inspect-compare "$dir/$name.serial.log" "$dir/$name.monitor.log" >"$dir/$name.compare.log" 2>&1
    rc=$?
    sed -e "s#^PASS inspect/#PASS inspect/$name/#" -e "s#^FAIL inspect/#FAIL inspect/$name/#" \
        -e "s#^SKIP inspect/#SKIP inspect/$name/#" \
        "$dir/$name.compare.log"
    p=$(grep -c '^PASS inspect/' "$dir/$name.compare.log")
    f=$(grep -c '^FAIL inspect/' "$dir/$name.compare.log")
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        fail "$name/compare: inspect-compare exit $rc"
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
