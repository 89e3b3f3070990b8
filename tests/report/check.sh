#!/usr/bin/env bash
# `make report` on the committed fixtures: the picture must hold exactly what the report
# says (counted here with grep and awk, not by the tool), and malformed input must fail
# with exit 2, the line number, and no output file. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
passed=0 failed=0
pass() {
    echo "PASS report/$1"
    passed=$((passed + 1))
}
fail() {
    echo "FAIL report/$1: $2"
    failed=$((failed + 1))
}
expect_eq() { # name, got, want, what
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "$4: got '$2', want '$3'"; fi
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if make --no-print-directory build/report-svg >"$work/build.log" 2>&1; then
    pass build
else
    fail build "make build/report-svg failed: $(tail -5 "$work/build.log" | tr '\n' ' ')"
    finish
fi
tool=./build/report-svg

# The report's own lines: CRs and terminal escape sequences removed.
clean() { tr -d '\r' <"$1" | sed 's/\x1b\[[^a-zA-Z]*[a-zA-Z]//g'; }
# "va pa" of each map line, leading zeros dropped, so equal strings mean va == pa.
map_pairs() {
    clean "$1" | awk '$1 == "map" { split($2, r, "-"); va = r[1]; pa = $4
        sub(/^0x0*/, "", va); sub(/^0x0*/, "", pa); print va, pa }'
}
tables_count() { clean "$1" | awk -v who="$2" '$1 == "tables" && $2 == who { print $4 + $6 + $8 + $10 }'; }
tables_kib() { clean "$1" | awk -v who="$2" '$1 == "tables" && $2 == who { sub(/^\(/, "", $11); print $11 }'; }

for fixture in tests/report/*.log; do
    name=$(basename "$fixture" .log)
    svg=$work/$name.svg
    if ! "$tool" "$fixture" "$svg" >"$work/$name.out" 2>&1; then
        fail "$name/run" "exit $?: $(cat "$work/$name.out")"
        continue
    fi
    pass "$name/run"

    want=$(clean "$fixture" | grep -c '^mem 0x')
    got=$(grep -o '<rect class="mem ' "$svg" | wc -l)
    expect_eq "$name/mem-rects" "$got" "$want" "memory-map rects vs mem lines"

    want=$(map_pairs "$fixture" | awk '$1 == $2' | wc -l)
    got=$(grep -o '<rect class="run ' "$svg" | wc -l)
    expect_eq "$name/identity-rects" "$got" "$want" "identity-run rects vs map lines with va == pa"

    want=$(map_pairs "$fixture" | awk '$1 != $2' | wc -l)
    if grep -q "; $want runs elsewhere: alias and test window<" "$svg"; then
        pass "$name/elsewhere-caption"
    else
        fail "$name/elsewhere-caption" "no caption '$want runs elsewhere: alias and test window'"
    fi

    for who in firmware ours; do
        n=$(tables_count "$fixture" "$who")
        kib=$(tables_kib "$fixture" "$who")
        if [ -z "$n" ]; then
            fail "$name/tables-$who" "the fixture has no 'tables $who' line"
        elif grep -q ">$who $n tables<" "$svg" && grep -q ">$who $kib KiB<" "$svg"; then
            pass "$name/tables-$who"
        else
            fail "$name/tables-$who" "header lacks '$who $n tables' or '$who $kib KiB'"
        fi
    done

    result=$(clean "$fixture" | grep '^RESULT: ' | tail -1 | sed 's/ *$//')
    if [ -n "$result" ] && grep -qF ">$result<" "$svg"; then
        pass "$name/result"
    else
        fail "$name/result" "header lacks '${result:-a RESULT line}'"
    fi

    if command -v xmllint >/dev/null; then
        if xmllint --noout "$svg" 2>"$work/$name.xml"; then
            pass "$name/xml"
        else
            fail "$name/xml" "$(head -3 "$work/$name.xml" | tr '\n' ' ')"
        fi
    else
        echo "note: xmllint not installed; report/$name/xml skipped"
    fi

    "$tool" "$fixture" "$work/$name.again.svg" >/dev/null 2>&1
    if cmp -s "$svg" "$work/$name.again.svg"; then
        pass "$name/deterministic"
    else
        fail "$name/deterministic" "two runs on the same input differ"
    fi
done

# expect_reject name input pattern: exit 2, stderr matches pattern, no output written.
expect_reject() {
    local out=$work/$1.svg status
    rm -f "$out"
    "$tool" "$2" "$out" >"$work/$1.stdout" 2>"$work/$1.stderr"
    status=$?
    if [ "$status" -ne 2 ]; then
        fail "$1" "exit $status, want 2"
    elif ! grep -q -- "$3" "$work/$1.stderr"; then
        fail "$1" "stderr '$(cat "$work/$1.stderr")' lacks /$3/"
    elif [ -e "$out" ]; then
        fail "$1" "an output file was written"
    else
        pass "$1"
    fi
}

fixture=tests/report/max-2g.log
# A map line whose end is below its start (the third map line: its start is not 0).
line=$(grep -an '^map 0x' "$fixture" | sed -n 3p | cut -d: -f1)
awk -v n="$line" 'NR == n { sub(/-0x[0-9a-f]+/, "-0x0000000000001000") } { print }' "$fixture" \
    >"$work/end-below-start.log"
expect_reject error-map-end-below-start "$work/end-below-start.log" \
    "^report-svg: $work/end-below-start.log:$line: end 0x1000 is not above start"

# A map line cut short after the physical address.
line=$(grep -an '^map 0x' "$fixture" | sed -n 5p | cut -d: -f1)
awk -v n="$line" 'NR == n { $0 = $1 " " $2 " " $3 " " $4 } { print }' "$fixture" \
    >"$work/map-missing-field.log"
expect_reject error-map-missing-field "$work/map-missing-field.log" \
    "^report-svg: $work/map-missing-field.log:$line: missing field: size"

# A mem line with a bad hex digit.
line=$(grep -an '^mem 0x' "$fixture" | sed -n 7p | cut -d: -f1)
awk -v n="$line" 'NR == n { sub(/^mem 0x0/, "mem 0xg") } { print }' "$fixture" \
    >"$work/mem-bad-hex.log"
expect_reject error-mem-bad-hex "$work/mem-bad-hex.log" \
    "^report-svg: $work/mem-bad-hex.log:$line: bad start address"

# No map and no mem lines at all.
grep -av '^m[ae][pm] ' "$fixture" >"$work/no-runs.log"
expect_reject error-no-map-no-mem "$work/no-runs.log" "no map and no mem lines"

# Input that cannot be read.
expect_reject error-unreadable "$work/does-not-exist.log" "does-not-exist.log: No such file or directory"

# ---- make report on a folder: one page comparing the machines (tests/report/fleet) ---------
if make --no-print-directory build/fleet-svg >"$work/fleet-build.log" 2>&1; then
    pass fleet/build
else
    fail fleet/build "make build/fleet-svg failed: $(tail -5 "$work/fleet-build.log" | tr '\n' ' ')"
    finish
fi
folder=tests/report/fleet
svg=$work/fleet.svg
if make --no-print-directory report REPORT=$folder SVG="$svg" >"$work/fleet.out" 2>"$work/fleet.err"; then
    pass fleet/run
else
    fail fleet/run "exit $?: $(cat "$work/fleet.err")"
fi
# One column per file, named in the header.
for f in "$folder"/*; do
    name=$(basename "$f")
    if grep -qF ">$name<" "$svg"; then pass "fleet/column-$name"; else fail "fleet/column-$name" "no header cell"; fi
done
# The malformed files keep their column, which names the line and the problem; so does stderr.
expect_refusal() { # file, message
    if grep -qF ">$(echo "$2" | sed 's/"/\&quot;/g')<" "$svg" && grep -qF "$folder/$1: $2" "$work/fleet.err"; then
        pass "fleet/refused-$1"
    else
        fail "fleet/refused-$1" "page or stderr lacks '$2'"
    fi
}
expect_refusal bad-check.txt "line $(grep -n '^check translation *MAYBE' $folder/bad-check.txt | cut -d: -f1): check translation: 'MAYBE' is neither PASS nor FAIL"
expect_refusal bad-quote.txt "line $(grep -n '^system: ' $folder/bad-quote.txt | cut -d: -f1): want vendor \"...\", product \"...\", version \"...\""
expect_refusal empty.txt "empty file"
expect_refusal ends-early.txt "no RESULT line after $(wc -l <$folder/ends-early.txt) lines: the report ends early"
# Each report read whole: its product, verdict and table counts as the report says them.
passes=0 fails=0 lefts=0
for f in $(grep -l '^system: ' "$folder"/* | grep -v 'bad-\|ends-early'); do
    name=$(basename "$f")
    product=$(clean "$f" | sed -n 's/^system: vendor "\([^"]*\)", product "\([^"]*\)", version "\([^"]*\)"$/\1 \2, \3/p' | head -1)
    expect_eq "fleet/product-$name" "$(grep -cF ">$product<" "$svg" | awk '$1 > 0 { print "yes" }')" yes "product '$product' on the page"
    result=$(clean "$f" | grep '^RESULT: ' | tail -1 | sed 's/^RESULT: //')
    if [ -n "$result" ]; then
        grep -qF ">$result<" "$svg" && pass "fleet/verdict-$name" || fail "fleet/verdict-$name" "no cell '$result'"
        case $result in PASS*) passes=$((passes + 1)) ;; *) fails=$((fails + 1)) ;; esac
    else
        lefts=$((lefts + 1))
    fi
    for who in firmware ours; do
        n=$(tables_count "$f" "$who")
        kib=$(tables_kib "$f" "$who")
        grep -qF ">$n tables, $kib KiB<" "$svg" && pass "fleet/tables-$who-$name" ||
            fail "fleet/tables-$who-$name" "no cell '$n tables, $kib KiB'"
    done
done
expect_eq fleet/pass-cells "$(grep -c 'fill="#15803d"' "$svg")" "$passes" "green verdict cells"
expect_eq fleet/fail-cells "$(grep -c 'fill="#b91c1c"' "$svg")" "$fails" "red verdict cells"
expect_eq fleet/takeover-cells "$(grep -c 'fill="#d97706"' "$svg")" "$lefts" "amber (left boot services) cells"
# One row per check the good reports name, and each FAIL of the failing report in red.
want=$(for f in "$folder"/2026*.txt "$folder"/corrupt-entry.log; do clean "$f"; done |
    awk '$1 == "check" { print $2 }' | sort -u | wc -l)
got=$(grep -c 'class="row" x="14.0"' "$svg")
expect_eq fleet/check-rows "$((got - 15))" "$want" "check rows (page rows less the 15 fixed ones)"
want=$(clean "$folder/corrupt-entry.log" | awk '$1 == "check" && $3 == "FAIL" { print $2 }' | sort -u | wc -l)
got=$(grep -c '>FAIL<' "$svg")
expect_eq fleet/fail-checks "$got" "$want" "FAIL check cells"
if xmllint --noout "$svg" 2>"$work/fleet.xml"; then pass fleet/xml; else fail fleet/xml "$(head -3 "$work/fleet.xml")"; fi
./build/fleet-svg "$folder" "$work/fleet.again.svg" >/dev/null 2>&1
cmp -s "$svg" "$work/fleet.again.svg" && pass fleet/deterministic || fail fleet/deterministic "two runs differ"
# A folder with nothing to compare: exit 2, a message, no page.
mkdir -p "$work/none" "$work/bad"
cp "$folder"/bad-*.txt "$folder"/empty.txt "$work/bad/"
for c in none:"no report files" bad:"no readable report"; do
    dir=${c%%:*} msg=${c#*:}
    rm -f "$work/$dir.svg"
    ./build/fleet-svg "$work/$dir" "$work/$dir.svg" >/dev/null 2>"$work/$dir.err"
    status=$?
    if [ $status = 2 ] && grep -q "$msg" "$work/$dir.err" && [ ! -e "$work/$dir.svg" ]; then
        pass "fleet/refuse-$dir"
    else
        fail "fleet/refuse-$dir" "exit $status, stderr '$(cat "$work/$dir.err")'"
    fi
done

# ---- reports from BOOTIA32.EFI (tests/report/ia32): a PASS under 32-bit OVMF, and a SKIP
# from a CPU without long mode, which the fleet page must show as skipped, not refuse.
ia32=tests/report/ia32
svg=$work/ia32.svg
if ./build/fleet-svg "$ia32" "$svg" >/dev/null 2>"$work/ia32.err"; then
    pass fleet-ia32/run
else
    fail fleet-ia32/run "exit $?: $(cat "$work/ia32.err")"
fi
expect_eq fleet-ia32/counts "$(grep -o '[0-9]* reports: [^<]*' "$svg")" \
    "2 reports: 1 PASS, 0 FAIL, 0 unreadable, 1 skipped" "the page's count line"
for f in "$ia32"/*.txt; do
    result=$(clean "$f" | grep '^RESULT: ' | tail -1 | sed 's/^RESULT: //')
    grep -qF ">$result<" "$svg" && pass "fleet-ia32/verdict-${f##*/}" ||
        fail "fleet-ia32/verdict-${f##*/}" "no cell '$result'"
    wp=$(clean "$f" | sed -n 's/^cpu: CR0 .*(WP=\([01]\)).*(PGE=\([01]\) .*(NXE=\([01]\)).*/WP=\1 PGE=\2 NXE=\3/p')
    grep -qF ">$wp<" "$svg" && pass "fleet-ia32/paging-${f##*/}" ||
        fail "fleet-ia32/paging-${f##*/}" "no cell '$wp'"
done
expect_eq fleet-ia32/skip-cells "$(grep -c 'fill="#6b7280"' "$svg")" 1 "grey (skipped) verdict cells"
if "$tool" "$ia32/ia32-max-2g.txt" "$work/ia32-one.svg" >/dev/null 2>&1 &&
    grep -qF "RESULT: PASS checks=" "$work/ia32-one.svg"; then
    pass report-ia32/picture
else
    fail report-ia32/picture "make report on the IA32 report file failed or lacks its verdict"
fi

finish
