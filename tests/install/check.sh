#!/usr/bin/env bash
# The library as another project uses it: `make install` into a temporary prefix, the
# example built with nothing but the installed headers and pkg-config's flags, run; the
# freestanding archive built and checked for symbols outside itself; the API reference
# built without a doxygen warning. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
passed=0 failed=0
pass() {
    echo "PASS install/$1"
    passed=$((passed + 1))
}
fail() {
    echo "FAIL install/$1: $2"
    failed=$((failed + 1))
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

if make --no-print-directory install PREFIX="$prefix" >"$work/install.log" 2>&1; then
    pass "make-install"
else
    fail "make-install" "$(tail -5 "$work/install.log" | tr '\n' ' ')"
fi
missing=""
for f in lib/libpagetk.a lib/pkgconfig/pagetk.pc include/pt.h; do
    [ -f "$prefix/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then pass "installed-files"; else fail "installed-files" "missing:$missing"; fi

# The paging library says nothing of UEFI: no firmware header, type or planner symbol is
# installed (the planner is the app's, in efi/plan/).
uefi=$( (ls "$prefix/include"; grep -nE 'EFI|efi_|plan_' "$prefix"/include/*.h;
    nm -g --defined-only "$prefix/lib/libpagetk.a" | grep -E ' (plan|wx|smbios|devpath)_') 2>&1 |
    grep -vx 'pt.h')
if [ -z "$uefi" ]; then pass "no-uefi"; else fail "no-uefi" "$(echo "$uefi" | head -3 | tr '\n' ' ')"; fi

# DESTDIR stages the same tree under another root; pagetk.pc still names PREFIX.
if make --no-print-directory install DESTDIR="$work/stage" PREFIX=/opt/pt >"$work/stage.log" 2>&1 &&
    [ -f "$work/stage/opt/pt/lib/libpagetk.a" ] &&
    grep -qx 'prefix=/opt/pt' "$work/stage/opt/pt/lib/pkgconfig/pagetk.pc"; then
    pass "destdir"
else
    fail "destdir" "no staged tree under DESTDIR with prefix=/opt/pt in pagetk.pc"
fi

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
flags=$(pkg-config --cflags --libs pagetk 2>&1 | sed 's/ *$//') # pkgconf ends it with a space
if [ "$flags" = "-I$prefix/include -L$prefix/lib -lpagetk" ]; then
    pass "pkg-config"
else
    fail "pkg-config" "got '$flags'"
fi

# Built outside the tree, so no header of the source tree can be found by accident.
cp tests/install/map_and_translate.c "$work/"
# shellcheck disable=SC2086 # pkg-config's flags are words
if (cd "$work" && cc -std=c11 -Wall -Wextra -Werror -o map_and_translate map_and_translate.c \
    $flags) >"$work/cc.log" 2>&1; then
    pass "example-builds"
    if "$work/map_and_translate" >"$work/run.log" 2>&1 &&
        grep -qx 'map_and_translate: PASS' "$work/run.log"; then
        pass "example-runs"
    else
        cat "$work/run.log"
        fail "example-runs" "map_and_translate did not end in PASS with status 0"
    fi
else
    fail "example-builds" "$(tail -5 "$work/cc.log" | tr '\n' ' ')"
fi

if make --no-print-directory freestanding >"$work/fs.log" 2>&1; then
    pass "freestanding ($(grep '^freestanding: undefined' "$work/fs.log" | sed 's/^freestanding: //'))"
else
    fail "freestanding" "$(tail -3 "$work/fs.log" | tr '\n' ' ')"
fi
# The check itself must refuse an archive that calls into libc.
printf 'int puts(const char *);\nvoid pagetk_libc_probe(void) { puts("x"); }\n' >"$work/probe.c"
cp build/freestanding/libpagetk.a "$work/probe.a" 2>/dev/null
if gcc -ffreestanding -c "$work/probe.c" -o "$work/probe.o" && ar rcs "$work/probe.a" "$work/probe.o" &&
    ! bash tests/install/symbols.sh "$work/probe.a" >/dev/null 2>&1; then
    pass "freestanding-check-refuses-libc"
else
    fail "freestanding-check-refuses-libc" "an archive calling puts passed the symbol check"
fi

if make --no-print-directory docs >"$work/docs.log" 2>&1 && [ -f build/docs/html/index.html ]; then
    pass "docs"
else
    fail "docs" "$(tail -5 "$work/docs.log" | tr '\n' ' ')"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
