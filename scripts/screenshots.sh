#!/usr/bin/env bash
# make screenshots: boots the app in QEMU, saves its verdict screen through the monitor's
# screendump as build/screenshots/NAME.png, and checks each picture's pixels against the
# geometry the app reported (tests/tools/screen-check.c): nothing outside the text area, the
# header still on top, the verdict bar in its colour, glyphs tall enough.
#   bs-*: with boot services, the firmware's console (default mode; 640x480 gives 80x25)
#   fb-*: full takeover, the app's framebuffer console at the firmware's resolution
#   fb-3840x2160: OVMF offers no 3840x2160 mode (its list ends at 2560x1600), so this one is
#         drawn on the host by the app's own console code from the 1920x1080 boot's report.
# Ends with "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
out=build/screenshots
rm -rf "$out" && mkdir -p "$out"
passed=0 failed=0
pass() { echo "PASS screenshot/$1"; passed=$((passed + 1)); }
fail() { echo "FAIL screenshot/$1: $2"; failed=$((failed + 1)); }
if ! make --no-print-directory build/BOOTX64.EFI build/screen-check build/fb-render \
    >"$out/build.log" 2>&1 || ! make --no-print-directory EFI_VARIANT=corrupt \
    EFI_DEFS=-DPAGETK_TEST_CORRUPT EFI_TARGET=build/pagetk-corrupt.efi efi-app >>"$out/build.log" 2>&1; then
    fail build "$(tail -5 "$out/build.log")"
    echo "$passed passed, $failed failed"
    exit 1
fi

# check NAME VERDICT MIN_GLYPH: the picture against the geometry in NAME.log.
check() {
    local name=$1 verdict=$2 min=$3 geo area cell
    geo=$(tr -d '\r' <"$out/$name.log" | grep -a '^screen: framebuffer ' | tail -1)
    if [ -n "$geo" ]; then # screen: framebuffer WxH, font 8x16 scaled xS: CxR cells
        area=$(echo "$geo" | sed -E 's/.* ([0-9]+)x([0-9]+), font ([0-9]+)x([0-9]+) scaled x([0-9]+): ([0-9]+)x([0-9]+) cells/\3 \4 \5 \6 \7/' |
            awk '{ print "0,0," $1 * $3 * $4 "," $2 * $3 * $5 " " $1 * $3 "x" $2 * $3 }')
    else # screen: console CxR (mode M), ...; GOP WxH -- edk2 centres 8x19 cells on the screen
        geo=$(tr -d '\r' <"$out/$name.log" | grep -a '^screen: console ' | tail -1)
        area=$(echo "$geo" | sed -E 's/^screen: console ([0-9]+)x([0-9]+) .*GOP ([0-9]+)x([0-9]+)$/\1 \2 \3 \4/' |
            awk '{ print int(($3 - $1 * 8) / 2) "," int(($4 - $2 * 19) / 2) "," $1 * 8 "," $2 * 19 " 8x19" }')
    fi
    if [ -z "$geo" ] || [ -z "$area" ]; then
        fail "$name" "the report gives no screen geometry"
        return
    fi
    # shellcheck disable=SC2086 # area holds two arguments
    if ./build/screen-check "$out/$name.ppm" $area "$verdict" "$min" >"$out/$name.check" 2>&1; then
        pass "$name ($(echo "$geo" | sed 's/^screen: //'); $(grep -a '^ok glyphs' "$out/$name.check" | sed 's/^ok glyphs: //'))"
    else
        fail "$name" "$(grep -av '^ok' "$out/$name.check" | tr '\n' ' ')"
    fi
    pnmtopng "$out/$name.ppm" >"$out/$name.png" 2>/dev/null && rm -f "$out/$name.ppm"
}

# shot NAME VERDICT MIN_GLYPH WHEN qemu-run arguments...: boots, screendumps once the log
# matches WHEN, checks.
shot() {
    local name=$1 verdict=$2 min=$3 when=$4
    shift 4
    echo "screendump $here/$out/$name.ppm" >"$out/$name.monitor"
    local expect=()
    [ "$verdict" = FAIL ] && expect=(--expect-fail)
    if ! bash scripts/qemu-run.sh --boot usb --mem 1G --no-exit-port --quiet --timeout 180 \
        --monitor "$out/$name.monitor" --monitor-when "$when" --log "$out/$name.log" \
        "${expect[@]}" "$@" >"$out/$name.out" 2>&1 || [ ! -s "$out/$name.ppm" ]; then
        fail "$name" "no screendump: $(tail -2 "$out/$name.out" | tr '\n' ' ')"
        return
    fi
    check "$name" "$verdict" "$min"
}

saved='^report file: '
reset='takeover: resetting through ResetSystem in'
shot bs-default PASS 12 "$saved"
shot bs-80x25 PASS 12 "$saved" --vga 640x480
if grep -aq '^screen: console 80x25 ' "$out/bs-80x25.log"; then pass bs-80x25-mode; else
    fail bs-80x25-mode "the console was not 80x25: $(grep -a '^screen: console' "$out/bs-80x25.log")"
fi
shot bs-fail FAIL 12 "$saved" --efi build/pagetk-corrupt.efi
shot fb-800x600 PASS 12 "$reset" --cfg takeover --vga 800x600
shot fb-1920x1080 PASS 24 "$reset" --cfg takeover --vga 1920x1080
shot fb-2560x1600 PASS 32 "$reset" --cfg takeover --vga 2560x1600
if [ -f "$out/fb-1920x1080.log" ] && ./build/fb-render 3840x2160 "$out/fb-1920x1080.log" \
    "$out/fb-3840x2160.ppm" >"$out/fb-3840x2160.out" 2>&1; then
    cp "$out/fb-3840x2160.out" "$out/fb-3840x2160.log"
    check fb-3840x2160 PASS 32
else
    fail fb-3840x2160 "fb-render: $(cat "$out/fb-3840x2160.out" 2>/dev/null)"
fi
# The checker itself: a PASS screen checked for a red verdict, or for 33-pixel glyphs at
# 800x600, must fail.
pngtopnm "$out/bs-default.png" >"$out/probe.ppm" 2>/dev/null
area=$(grep -a '^screen: console ' "$out/bs-default.log" | tr -d '\r' |
    sed -E 's/^screen: console ([0-9]+)x([0-9]+) .*GOP ([0-9]+)x([0-9]+)$/\1 \2 \3 \4/' |
    awk '{ print int(($3 - $1 * 8) / 2) "," int(($4 - $2 * 19) / 2) "," $1 * 8 "," $2 * 19 }')
if ./build/screen-check "$out/probe.ppm" "$area" 8x19 FAIL 12 >/dev/null 2>&1; then
    fail checker-wrong-colour "a green verdict passed as red"
else
    pass checker-wrong-colour
fi
pngtopnm "$out/fb-800x600.png" >"$out/probe.ppm" 2>/dev/null
if ./build/screen-check "$out/probe.ppm" 0,0,800,592 8x16 PASS 33 >/dev/null 2>&1; then
    fail checker-small-glyphs "16-pixel cells passed for 33-pixel glyphs"
else
    pass checker-small-glyphs
fi
if ./build/screen-check "$out/probe.ppm" 0,0,400,592 8x16 PASS 12 >/dev/null 2>&1; then
    fail checker-outside "text beyond a half-width area passed"
else
    pass checker-outside
fi
rm -f "$out/probe.ppm"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
