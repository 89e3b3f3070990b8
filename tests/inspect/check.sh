#!/usr/bin/env bash
# Proves build/inspect-compare both accepts real logs and catches differences in them.
#
# Fixtures, all from real boots with the option inspect (scripts/inspect.sh):
#   max-2g.{serial,monitor}.log        -cpu max, 2 GiB, as captured (1G, 2M and 4K leaves).
#   qemu64-small.{serial,monitor}.log  -cpu qemu64, 1 GiB (no 1G pages), trimmed from 1M info
#       tlb lines to 4,500: the identity map is cut at 0x40200000 on both sides (its last map
#       line and its info mem line end there now) and only 71 of the slot's leaves are kept.
#   la57-2g.{serial,monitor}.log  build/pagetk-la57.efi, -cpu max, 2 GiB: five-level tables
#       (the test window above 2^55, the alias at 0xff00000000000000), as captured; QEMU
#       7.2's info mem printed nothing under LA57.
# Mutated copies must fail with exit 1 and name the difference; malformed input exits 2.
# Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
here=tests/inspect
tool=build/inspect-compare
passed=0 failed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! make --no-print-directory "$tool" >"$work/build.log" 2>&1; then
    cat "$work/build.log"
    echo "FAIL inspect-compare/build"
    echo "0 passed, 1 failed"
    exit 1
fi

verdict() { # name, ok (0/1), why
    if [ "$2" = 0 ]; then
        echo "PASS inspect-compare/$1"
        passed=$((passed + 1))
    else
        echo "FAIL inspect-compare/$1: $3"
        sed 's/^/    | /' "$work/out" | head -30
        failed=$((failed + 1))
    fi
}

# expect NAME EXIT SERIAL MONITOR [PATTERN...]: the tool exits with EXIT and its output
# (stdout and stderr) matches every extended regular expression PATTERN.
expect() {
    local name=$1 want=$2 serial=$3 monitor=$4 rc pattern
    shift 4
    "$tool" "$serial" "$monitor" >"$work/out" 2>&1
    rc=$?
    if [ "$rc" != "$want" ]; then
        verdict "$name" 1 "exit $rc, want $want"
        return
    fi
    for pattern in "$@"; do
        if ! grep -qE -- "$pattern" "$work/out"; then
            verdict "$name" 1 "output lacks /$pattern/"
            return
        fi
    done
    verdict "$name" 0
}

# mutate SRC DST SED-SCRIPT: a copy with one edit; the edit must change the file.
mutate() {
    sed -e "$3" "$1" >"$2"
    if cmp -s "$1" "$2"; then
        echo "check: the edit '$3' did not change $1" >&2
        return 1
    fi
}

s2=$here/max-2g.serial.log m2=$here/max-2g.monitor.log
s64=$here/qemu64-small.serial.log m64=$here/qemu64-small.monitor.log

expect real-max-2g 0 "$s2" "$m2" '^agree: 40 runs, 1050623 MiB' '^PASS inspect/tlb-runs$' \
    '^PASS inspect/mem-ranges$' '^PASS inspect/slot-self-map$' 'left out: 3592 info tlb lines'
expect real-qemu64-small 0 "$s64" "$m64" '^agree: 40 runs, 2049 MiB' '1G 0, 2M 1018, 4K 3363' \
    '^PASS inspect/tlb-runs$' '^PASS inspect/mem-ranges$' '^PASS inspect/slot-self-map$'

# info tlb: one W flag cleared inside the run 0x7f65a000-0x7f65c000 (RW NX).
mutate "$m2" "$work/m" 's/^\(000000007f65b000: 000000007f65b000 X---A---\)W/\1-/' &&
    expect tlb-flip-w 1 "$s2" "$work/m" '^FAIL inspect/tlb-runs: ' \
        'qemu 0x000000007f65b000-0x000000007f65c000 .* ro ' 'differ in: start W$' \
        '^PASS inspect/mem-ranges$'

s57=$here/la57-2g.serial.log m57=$here/la57-2g.monitor.log
expect real-la57-2g 0 "$s57" "$m57" '40 runs in the dump, 5-level' '^agree: 40 runs, 1050623 MiB' \
    '^PASS inspect/tlb-runs$' '^SKIP inspect/mem-ranges: info mem printed nothing under LA57' \
    'PML5 entry 510 \(0xfffe000000000000-0xfffeffffffffffff\) left out' \
    '^slot-self-map: 0xfffeff7fbfdfe000 -> 0x7dbf5000 \(4K\)' '^PASS inspect/slot-self-map$'
# Five levels: the test window's read-only page, above 2^55, made writable in QEMU's walk.
mutate "$m57" "$work/m" 's/^\(00fffe8000001000: 000000007de65000 X---A---\)-/\1W/' &&
    expect la57-window-w 1 "$s57" "$work/m" '^FAIL inspect/tlb-runs: ' \
        'qemu 0x00fffe8000001000-0x00fffe8000002000 .* RW '
# Five levels: the same log read as four-level paging has addresses that are not canonical.
mutate "$s57" "$work/s" '/^paging: 5-level/d' &&
    expect la57-read-as-4-level 2 "$work/s" "$m57" 'malformed map line: range .* is not canonical'

# info tlb: a leaf missing from the run 0x7f6c0000-0x7f6dc000.
mutate "$m2" "$work/m" '/^000000007f6c1000: /d' &&
    expect tlb-drop-leaf 1 "$s2" "$work/m" '^FAIL inspect/tlb-runs: ' \
        'qemu 0x000000007f6c0000-0x000000007f6c1000 ' 'qemu 0x000000007f6c2000-0x000000007f6dc000 ' \
        'differ in: end$' 'differ in: start$'

# info tlb: one leaf pointing elsewhere.
mutate "$m2" "$work/m" 's/^000000007de49000: 000000007de49000 /000000007de49000: 0000000012345000 /' &&
    expect tlb-change-pa 1 "$s2" "$work/m" '^FAIL inspect/tlb-runs: ' \
        'qemu 0x000000007de49000-0x000000007de4a000 -> 0x000012345000 ' 'differ in: .*pa'

# info mem: a range the app's runs do not imply.
mutate "$m2" "$work/m" '/^fffffe8000001000-fffffe8000004000 /a fffffe8000005000-fffffe8000006000 0000000000001000 -rw\r' &&
    expect mem-extra-line 1 "$s2" "$work/m" '^FAIL inspect/mem-ranges: ' 'only in QEMU' \
        'qemu fffffe8000005000-fffffe8000006000 0000000000001000 -rw' '^PASS inspect/tlb-runs$'

# The app's side: a dump line that claims NX where QEMU sees none.
mutate "$s2" "$work/s" 's/^\(map 0x000000007de38000-0x000000007de48000 .* ro  *\)x /\1NX/' &&
    expect app-claims-nx 1 "$work/s" "$m2" '^FAIL inspect/tlb-runs: ' \
        'app  0x000000007de38000-0x000000007de48000 .* NX ' 'differ in: NX$' '^PASS inspect/mem-ranges$'

# The self-map must show the CR3 the app halted with.
mutate "$s2" "$work/s" 's/^inspect: halted with CR3 0x7dcb6000/inspect: halted with CR3 0x7dcb7000/' &&
    expect slot-wrong-cr3 1 "$work/s" "$m2" '^FAIL inspect/slot-self-map: ' \
        'switched to CR3 0x7dcb6000 but halted with 0x7dcb7000'
mutate "$m2" "$work/m" 's/^ffffff7fbfdfe000: 000000007dcb6000 /ffffff7fbfdfe000: 000000007dcb5000 /' &&
    expect slot-self-map-elsewhere 1 "$s2" "$work/m" '^FAIL inspect/slot-self-map: ' \
        '0xffffff7fbfdfe000 maps 0x7dcb5000, CR3 is 0x7dcb6000' '^PASS inspect/tlb-runs$'

# Without 1G pages a P leaf on a GiB boundary is 2M: claiming 1G pages makes the last identity
# leaf of the trimmed qemu64 log (0x40000000, alone up to the alias) read as 1G.
mutate "$s64" "$work/s" 's/1G pages no/1G pages yes/' &&
    expect qemu64-1g-pages-claimed 1 "$work/s" "$m64" 'qemu 0x000000003ff78000-0x0000000080000000 ' \
        'differ in: end levels$'

# Malformed or unreadable input: exit 2, naming the file and line.
mutate "$m2" "$work/m" 's/^\(0000000040200000: 0000000040200000 --P-A---\)W/\1Q/' &&
    expect malformed-tlb-line 2 "$s2" "$work/m" "^inspect-compare: $work/m:50: malformed info tlb line"
mutate "$m2" "$work/m" '5s/-rw/-rx/' &&
    expect malformed-mem-line 2 "$s2" "$work/m" "^inspect-compare: $work/m:5: malformed info mem line"
mutate "$s2" "$work/s" 's/^\(map 0x000000007de33000-0x000000007de38000 -> 0x00007de33000\) 20K /\1 24K /' &&
    expect malformed-map-size 2 "$work/s" "$m2" \
        "^inspect-compare: $work/s:[0-9]+: malformed map line: size field does not match the range"
mutate "$m2" "$work/m" '/^0000000040200000: /d; /^0000000040400000: /a 0000000040200000: 0000000040200000 --P-A---W\r' &&
    expect tlb-out-of-order 2 "$s2" "$work/m" "^inspect-compare: $work/m:[0-9]+: info tlb lines out of address order"
expect unreadable 2 "$work/missing.log" "$m2" "^inspect-compare: $work/missing.log: cannot read"
: >"$work/empty"
expect no-map-lines 2 "$work/empty" "$m2" "no map lines"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
