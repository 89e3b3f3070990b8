#!/usr/bin/env bash
# A stick collects a fleet: boots from one stick image on two machines (q35, then pc), then
# on the first machine again at the same clock with every name it could pick already taken,
# then read-only, then full. Each boot must leave its own report file and touch no other;
# the stick that cannot be written must be said on the screen and on COM1; make report on
# the stick's \pagetk draws one page of the machines. Prints "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
out=build/fleet
rm -rf "$out" && mkdir -p "$out"
stick=$out/stick.img part="$out/stick.img@@1M"
passed=0 failed=0
pass() { echo "PASS fleet/$1"; passed=$((passed + 1)); }
fail() { echo "FAIL fleet/$1: $2"; failed=$((failed + 1)); }
reports() { mdir -b -i "$part" ::/pagetk 2>/dev/null | tr -d '\r' | grep -a '\.txt$' | sort; }
boot() { # name, qemu-run arguments...
    local name=$1
    shift
    bash scripts/qemu-run.sh --boot usb --stick "$stick" --mem 1G --cpu max --quiet \
        --log "$out/$name.log" "$@" >"$out/$name.out" 2>&1
}
base=2026-01-01T09:00:00

bash scripts/mkimg.sh build/BOOTX64.EFI startup.nsh "$stick"
if boot q35 --machine q35 --rtc "$base" && [ "$(reports | wc -l)" = 1 ]; then
    pass first-boot
else
    fail first-boot "$(tail -3 "$out/q35.out" | tr '\n' ' ') files: $(reports | tr '\n' ' ')"
fi
first=$(reports | head -1)
mtype -i "$part" "$first" >"$out/first.txt" 2>/dev/null

if boot pc --machine pc && [ "$(reports | wc -l)" = 2 ] &&
    reports | grep -q 'Standard-PC-i440FX-PIIX-1996\.txt$'; then
    pass second-machine
else
    fail second-machine "files: $(reports | tr '\n' ' ')"
fi

# Every name the first machine could pick in the next two minutes of its clock exists: the
# app must add a number, and must leave each of those files as it was.
decoys=$out/decoys
mkdir -p "$decoys"
for s in $(seq 0 119); do
    t=$(date -u -d "$base UTC + $s seconds" +%Y%m%d-%H%M%S)
    f=$decoys/$t-Standard-PC-Q35-ICH9-2009.txt
    [ "::/pagetk/${f##*/}" = "$first" ] || echo "decoy $t" >"$f"
done
mcopy -i "$part" "$decoys"/* ::/pagetk/
before=$(reports | wc -l)
if boot q35-again --machine q35 --rtc "$base" && [ "$(reports | wc -l)" = $((before + 1)) ] &&
    [ "$(reports | grep -c -- '-Standard-PC-Q35-ICH9-2009-2\.txt$')" = 1 ]; then
    pass name-taken-gets-a-number
else
    fail name-taken-gets-a-number "$before files before, after: $(reports | grep -- '-2\.txt' | tr '\n' ' ')"
fi
untouched=1
for f in "$decoys"/*; do
    mtype -i "$part" "::/pagetk/${f##*/}" 2>/dev/null | cmp -s - "$f" || untouched=0
done
mtype -i "$part" "$first" 2>/dev/null | cmp -s - "$out/first.txt" || untouched=0
if [ $untouched = 1 ]; then pass other-files-untouched; else fail other-files-untouched "a file changed"; fi

mcopy -i "$part" -s ::/pagetk "$out/" 2>/dev/null
for f in "$decoys"/*; do rm -f "$out/pagetk/${f##*/}"; done
if make --no-print-directory report REPORT="$out/pagetk" SVG="$out/fleet.svg" >"$out/report.out" 2>&1 &&
    grep -q '>QEMU Standard PC (Q35 + ICH9, 2009), pc-q35-' "$out/fleet.svg" &&
    grep -q '>QEMU Standard PC (i440FX + PIIX, 1996), pc-i440fx-' "$out/fleet.svg" &&
    [ "$(grep -c 'fill="#15803d"' "$out/fleet.svg")" = 3 ]; then
    pass comparison-page
else
    fail comparison-page "$(cat "$out/report.out")"
fi

# A stick that cannot take the report: said on COM1 and on the screen, the verdict stands.
boot readonly --readonly
if grep -aq 'report file: not written: the stick is read-only' "$out/readonly.log" &&
    grep -aq 'RESULT: PASS' "$out/readonly.log"; then
    pass read-only-stick
else
    fail read-only-stick "$(grep -a 'report file' "$out/readonly.log")"
fi
free=$(mdir -i "$part" :: 2>/dev/null | sed -n 's/^ *\([0-9 ]*\) bytes free.*/\1/p' | tr -d ' ')
head -c "${free:-0}" /dev/zero >"$out/filler"
mcopy -i "$part" "$out/filler" ::/filler 2>/dev/null
rm -f "$out/filler"
boot full
if grep -aq 'report file: not written: the stick is full' "$out/full.log" &&
    grep -aq 'RESULT: PASS' "$out/full.log"; then
    pass full-stick
else
    fail full-stick "$(grep -a 'report file' "$out/full.log") ($(mdir -i "$part" :: | tail -1))"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
